//! Outbound TCP on the real machine: a granted name resolved here (never by the charm), every
//! address checked before it is tried, every call bounded by the grant's timeout and the
//! hook's deadline.

use std::collections::BTreeMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::capabilities::Granted;
use crate::error::HostError;

/// The connections of one hook.
#[derive(Default)]
pub struct Streams {
    open: BTreeMap<u32, (TcpStream, Duration)>,
    next: u32,
}

/// The time left for one call: the grant's, cut at the deadline.
fn left(timeout: Duration, deadline: Option<Instant>) -> Result<Duration, HostError> {
    let left = match deadline {
        Some(d) => timeout.min(d.saturating_duration_since(Instant::now())),
        None => timeout,
    };
    if left.is_zero() {
        Err(HostError::Backend(
            "timed out: the hook has no time left".into(),
        ))
    } else {
        Ok(left)
    }
}

/// Name lookups in flight in this process: one that outlives its timeout keeps its thread
/// until the resolver answers, so a charm cannot pile them up.
static LOOKUPS: AtomicUsize = AtomicUsize::new(0);

/// The most name lookups in flight at once.
const MAX_LOOKUPS: usize = 4;

/// The addresses of `host`: an address as it is, a name through the machine's resolver (in
/// a thread, so a slow resolver costs at most `timeout`).
fn resolve(host: &str, port: u16, timeout: Duration) -> Result<Vec<IpAddr>, HostError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(addr) = bare.parse::<IpAddr>() {
        return Ok(vec![addr]);
    }
    if LOOKUPS.fetch_add(1, Ordering::SeqCst) >= MAX_LOOKUPS {
        LOOKUPS.fetch_sub(1, Ordering::SeqCst);
        return Err(HostError::Backend(format!(
            "{host}: {MAX_LOOKUPS} name lookups are still waiting for the resolver"
        )));
    }
    let (send, receive) = mpsc::channel();
    let name = host.to_string();
    let spawned = std::thread::Builder::new().spawn(move || {
        let found = (name.as_str(), port)
            .to_socket_addrs()
            .map(|addrs| addrs.map(|a| a.ip()).collect::<Vec<_>>());
        LOOKUPS.fetch_sub(1, Ordering::SeqCst);
        let _ = send.send(found);
    });
    if let Err(e) = spawned {
        LOOKUPS.fetch_sub(1, Ordering::SeqCst);
        return Err(HostError::Backend(format!("{host}: cannot resolve: {e}")));
    }
    match receive.recv_timeout(timeout) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(_) => Err(HostError::NotFound(format!(
            "{host}: the name does not resolve"
        ))),
        Err(_) => Err(HostError::Backend(format!(
            "{host}: resolving the name timed out"
        ))),
    }
}

fn io(what: &str, e: std::io::Error) -> HostError {
    match e.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => {
            HostError::Backend(format!("{what}: timed out"))
        }
        _ => HostError::Backend(format!("{what}: {e}")),
    }
}

impl Streams {
    /// Connects to the first address of `host` that the grant lets through and answers.
    pub fn connect(
        &mut self,
        host: &str,
        port: u16,
        granted: &Granted,
        deadline: Option<Instant>,
    ) -> Result<u32, HostError> {
        let addrs = resolve(host, port, left(granted.timeout, deadline)?)?;
        let mut refused = None;
        let mut failed = None;
        for addr in addrs {
            if let Some(why) = granted.refuses(addr) {
                refused.get_or_insert(why);
                continue;
            }
            let target = SocketAddr::new(addr, port);
            match TcpStream::connect_timeout(&target, left(granted.timeout, deadline)?) {
                Ok(stream) => {
                    self.next += 1;
                    self.open.insert(self.next, (stream, granted.timeout));
                    return Ok(self.next);
                }
                Err(e) => failed = Some(io(&format!("connecting to {target}"), e)),
            }
        }
        Err(match (failed, refused) {
            (Some(e), _) => e,
            (None, Some(why)) => {
                HostError::DeniedByPolicy(format!("connecting to {host}:{port}: {why}"))
            }
            (None, None) => HostError::NotFound(format!("{host}: no address")),
        })
    }

    fn stream(&mut self, id: u32) -> Result<&mut (TcpStream, Duration), HostError> {
        self.open
            .get_mut(&id)
            .ok_or_else(|| HostError::InvalidArgument("the connection is closed".into()))
    }

    /// Up to `max` bytes once some arrive; empty at the end.
    pub fn read(
        &mut self,
        id: u32,
        max: usize,
        deadline: Option<Instant>,
    ) -> Result<Vec<u8>, HostError> {
        let (stream, timeout) = self.stream(id)?;
        stream
            .set_read_timeout(Some(left(*timeout, deadline)?))
            .map_err(|e| io("reading", e))?;
        let mut buf = vec![0; max];
        let n = stream.read(&mut buf).map_err(|e| io("reading", e))?;
        buf.truncate(n);
        Ok(buf)
    }

    /// All of `data`.
    pub fn write(
        &mut self,
        id: u32,
        data: &[u8],
        deadline: Option<Instant>,
    ) -> Result<(), HostError> {
        let (stream, timeout) = self.stream(id)?;
        stream
            .set_write_timeout(Some(left(*timeout, deadline)?))
            .map_err(|e| io("writing", e))?;
        stream.write_all(data).map_err(|e| io("writing", e))
    }

    /// No more writes.
    pub fn shutdown(&mut self, id: u32) -> Result<(), HostError> {
        let (stream, _) = self.stream(id)?;
        stream
            .shutdown(Shutdown::Write)
            .map_err(|e| io("shutting down", e))
    }

    /// Closes it.
    pub fn close(&mut self, id: u32) {
        self.open.remove(&id);
    }
}
