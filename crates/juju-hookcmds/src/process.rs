//! Running a command with a deadline, on the calling thread: the host runs each hook command
//! this way, and the simulated unit agent runs a unit's `dispatch` the same way.

use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, ExitStatus, Output};
use std::thread;
use std::time::{Duration, Instant};

/// Why [`wait_bounded`] has no output to give.
#[derive(Debug)]
pub enum Unfinished {
    /// It ran past the timeout and was killed.
    TimedOut,
    /// Waiting for it failed.
    Wait(std::io::Error),
}

/// Feeds `stdin` to a spawned child (stdout and stderr piped), collects its output and waits
/// for it, for at most `timeout`; then kills it. All on the calling thread (a hook makes
/// many calls and a thread per call costs more than the call's own bookkeeping): one
/// `poll(2)` over the pipes, then the child's exit through a pidfd. On timeout it kills and
/// reaps the child and returns at once, even if a grandchild still holds the pipes.
pub fn wait_bounded(
    child: Child,
    stdin: Option<Vec<u8>>,
    timeout: Duration,
) -> Result<Output, Unfinished> {
    let capped = wait_capped(child, stdin, timeout, usize::MAX, false)?;
    match capped.status {
        Some(status) => Ok(Output {
            status,
            stdout: capped.stdout,
            stderr: capped.stderr,
        }),
        None => Err(Unfinished::TimedOut),
    }
}

/// What a child printed (each stream up to a cap) and how it ended. Its `Debug` shows sizes
/// only: a program may print a secret.
pub struct Capped {
    /// How it exited; `None` if it ran past the timeout and was killed.
    pub status: Option<ExitStatus>,
    /// Its stdout, up to the cap.
    pub stdout: Vec<u8>,
    /// Its stderr, up to the cap.
    pub stderr: Vec<u8>,
    /// Either stream went past the cap: the rest was read and dropped, so the child never
    /// blocks on a full pipe.
    pub truncated: bool,
}

impl std::fmt::Debug for Capped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capped")
            .field("status", &self.status)
            .field("stdout", &format!("<{} bytes>", self.stdout.len()))
            .field("stderr", &format!("<{} bytes>", self.stderr.len()))
            .field("truncated", &self.truncated)
            .finish()
    }
}

/// [`wait_bounded`] keeping at most `cap` bytes of each stream; on timeout it returns what
/// came out so far. With `group` the child leads its own process group (spawned with
/// `process_group(0)`), and a timeout kills the whole group, not only the child.
pub fn wait_capped(
    mut child: Child,
    stdin: Option<Vec<u8>>,
    timeout: Duration,
    cap: usize,
    group: bool,
) -> Result<Capped, Unfinished> {
    let deadline = Instant::now() + timeout;
    let mut pipes = Pipes {
        input: child
            .stdin
            .take()
            .zip(stdin)
            .map(|(pipe, data)| (pipe, data, 0)),
        stdout: child.stdout.take(),
        stderr: child.stderr.take(),
        out: Vec::new(),
        err: Vec::new(),
        cap,
        truncated: false,
    };
    let exchanged = pipes
        .exchange(deadline)
        .and_then(|()| wait_for_exit(&mut child, deadline, group));
    let status = match exchanged {
        Ok(status) => Some(status),
        Err(unfinished) => {
            if group && let Ok(pid) = libc::pid_t::try_from(child.id()) {
                // SAFETY: kill(2) with a negative pid signals the group this child leads.
                unsafe { libc::kill(-pid, libc::SIGKILL) };
            }
            // Killing a child that has just exited is harmless: it is not reaped yet.
            let _ = child.kill();
            let _ = child.wait();
            match unfinished {
                Unfinished::TimedOut => None,
                wait => return Err(wait),
            }
        }
    };
    Ok(Capped {
        status,
        stdout: pipes.out,
        stderr: pipes.err,
        truncated: pipes.truncated,
    })
}

/// The child's pipes still open, and what came out of them.
struct Pipes {
    /// Stdin with the data to feed and how much of it was written.
    input: Option<(ChildStdin, Vec<u8>, usize)>,
    stdout: Option<ChildStdout>,
    stderr: Option<ChildStderr>,
    out: Vec<u8>,
    err: Vec<u8>,
    /// Bytes kept of each stream.
    cap: usize,
    /// Output went past `cap`.
    truncated: bool,
}

impl Pipes {
    /// Feeds and drains the pipes until the child has closed them all.
    fn exchange(&mut self, deadline: Instant) -> Result<(), Unfinished> {
        for fd in self.fds() {
            set_nonblocking(fd).map_err(Unfinished::Wait)?;
        }
        loop {
            let fds = self.fds();
            if fds.is_empty() {
                return Ok(());
            }
            let mut polled: Vec<libc::pollfd> = fds
                .iter()
                .map(|&fd| libc::pollfd {
                    fd,
                    events: if self.is_input(fd) {
                        libc::POLLOUT
                    } else {
                        libc::POLLIN
                    },
                    revents: 0,
                })
                .collect();
            if !poll(&mut polled, deadline).map_err(Unfinished::Wait)? {
                return Err(Unfinished::TimedOut);
            }
            for ready in polled.iter().filter(|p| p.revents != 0) {
                self.serve(ready.fd).map_err(Unfinished::Wait)?;
            }
        }
    }

    fn fds(&self) -> Vec<RawFd> {
        let input = self.input.as_ref().map(|(pipe, _, _)| pipe.as_raw_fd());
        let stdout = self.stdout.as_ref().map(AsRawFd::as_raw_fd);
        let stderr = self.stderr.as_ref().map(AsRawFd::as_raw_fd);
        [input, stdout, stderr].into_iter().flatten().collect()
    }

    fn is_input(&self, fd: RawFd) -> bool {
        self.input
            .as_ref()
            .is_some_and(|(pipe, _, _)| pipe.as_raw_fd() == fd)
    }

    /// Writes or reads what the ready pipe takes or has; closes it when it is done.
    fn serve(&mut self, fd: RawFd) -> std::io::Result<()> {
        if self.is_input(fd) {
            if let Some((pipe, data, written)) = &mut self.input {
                match pipe.write(&data[*written..]) {
                    Ok(n) => *written += n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                    Err(e) if e.kind() == ErrorKind::Interrupted => return Ok(()),
                    // A command that stops reading its stdin gets no more of it.
                    Err(_) => *written = data.len(),
                }
                if *written == data.len() {
                    self.input = None;
                }
            }
            return Ok(());
        }
        let (pipe, sink): (&mut dyn Read, &mut Vec<u8>) = match (&mut self.stdout, &mut self.stderr)
        {
            (Some(out), _) if out.as_raw_fd() == fd => (out, &mut self.out),
            (_, Some(err)) if err.as_raw_fd() == fd => (err, &mut self.err),
            _ => return Ok(()),
        };
        // Until the pipe is empty (what was read so far is kept) or closed; past the cap
        // the rest is read and dropped.
        let mut chunk = [0u8; 16 << 10];
        // At most this much per turn, so a child that never stops writing still lets the
        // poll loop see the deadline.
        for _ in 0..64 {
            match pipe.read(&mut chunk) {
                Ok(0) => {
                    if self.stdout.as_ref().is_some_and(|p| p.as_raw_fd() == fd) {
                        self.stdout = None;
                    } else {
                        self.stderr = None;
                    }
                    return Ok(());
                }
                Ok(n) => {
                    let room = self.cap.saturating_sub(sink.len()).min(n);
                    sink.extend_from_slice(&chunk[..room]);
                    self.truncated |= room < n;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// Waits for the child to exit, until `deadline`. Its pipes are closed, so it is exiting.
/// With `group`, whatever it left running in its process group is killed before it is reaped
/// (until then its pid, the group's id, cannot be reused).
fn wait_for_exit(
    child: &mut Child,
    deadline: Instant,
    group: bool,
) -> Result<ExitStatus, Unfinished> {
    // A pidfd becomes readable once the process has exited; then reaping it does not block.
    if let Some(pidfd) = pidfd_open(child.id()) {
        let mut polled = [libc::pollfd {
            fd: pidfd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        }];
        if !poll(&mut polled, deadline).map_err(Unfinished::Wait)? {
            return Err(Unfinished::TimedOut);
        }
        if group && let Ok(pid) = libc::pid_t::try_from(child.id()) {
            // SAFETY: kill(2) on the group the exited, not yet reaped, child leads.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
        return child.wait().map_err(Unfinished::Wait);
    }
    // Kernels without pidfds (before 5.3) are asked every millisecond.
    loop {
        if let Some(status) = child.try_wait().map_err(Unfinished::Wait)? {
            return Ok(status);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Unfinished::TimedOut);
        }
        thread::sleep(left.min(Duration::from_millis(1)));
    }
}

/// `poll(2)` until something is ready (true) or `deadline` passes (false).
fn poll(fds: &mut [libc::pollfd], deadline: Instant) -> std::io::Result<bool> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(false);
        }
        let ms = libc::c_int::try_from(left.as_micros().div_ceil(1000)).unwrap_or(libc::c_int::MAX);
        // SAFETY: `fds` is a valid, exclusively borrowed array of `fds.len()` pollfds.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
        match ready {
            n if n > 0 => return Ok(true),
            0 => {}
            _ => {
                let e = std::io::Error::last_os_error();
                if e.kind() != ErrorKind::Interrupted {
                    return Err(e);
                }
            }
        }
    }
}

fn set_nonblocking(fd: RawFd) -> std::io::Result<()> {
    let on: libc::c_int = 1;
    // SAFETY: FIONBIO on a pipe this process owns reads one int.
    if unsafe { libc::ioctl(fd, libc::FIONBIO, &on) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn pidfd_open(pid: u32) -> Option<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    // SAFETY: a non-negative result is a descriptor that nothing else owns.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

#[cfg(not(target_os = "linux"))]
fn pidfd_open(_pid: u32) -> Option<OwnedFd> {
    None
}
