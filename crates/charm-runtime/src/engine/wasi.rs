//! WASI linked per component, only the interfaces it imports. Linking all of WASI 0.2 costs
//! a hook process about a fifth of a millisecond, spent again on every hook; a Rust charm
//! imports a handful of interfaces. The sandbox does not rest on this: whatever is linked
//! is denied through the store's `WasiCtx` (no files, sockets, environment or stdio).

use std::time::Instant;

use wasmtime::component::{HasData, Linker, Resource, ResourceTable};
use wasmtime_wasi::WasiView;
use wasmtime_wasi::cli::{WasiCli, WasiCliView};
use wasmtime_wasi::clocks::WasiClocksCtxView;
use wasmtime_wasi::clocks::{WasiClocks, WasiClocksView};
use wasmtime_wasi::filesystem::{WasiFilesystem, WasiFilesystemView};
use wasmtime_wasi::p2::DynPollable;
use wasmtime_wasi::p2::bindings::clocks::monotonic_clock;
use wasmtime_wasi::p2::bindings::{self as nonblocking, sync as p2};
use wasmtime_wasi::random::{WasiRandom, WasiRandomCtx};
use wasmtime_wasi::sockets::{WasiSockets, WasiSocketsView};

use super::HostState;

/// The resource table, which is what `wasi:io` works on.
struct HasIo;

impl HasData for HasIo {
    type Data<'a> = &'a mut ResourceTable;
}

fn io(state: &mut HostState) -> &mut ResourceTable {
    state.ctx().table
}

fn random(state: &mut HostState) -> &mut WasiRandomCtx {
    state.ctx().ctx.random()
}

/// `wasi:clocks/monotonic-clock` bounded by the hook's wall-time limit: a wait (a sleep, a
/// `poll` with a timeout) ends at the limit at the latest, and asking to wait once the limit
/// has passed traps. Computing is stopped by the epoch; this stops waiting, the only other
/// way a sandboxed charm can pass time (it has no files, sockets or input to block on).
struct BoundedClock<'a> {
    clocks: WasiClocksCtxView<'a>,
    deadline: Option<Instant>,
    wait_cut: &'a mut bool,
}

struct HasBoundedClock;

impl HasData for HasBoundedClock {
    type Data<'a> = BoundedClock<'a>;
}

fn bounded_clock(state: &mut HostState) -> BoundedClock<'_> {
    let deadline = state.deadline;
    let HostState {
        wasi,
        table,
        wait_cut,
        ..
    } = state;
    BoundedClock {
        clocks: WasiClocksCtxView {
            ctx: wasi.clocks(),
            table,
        },
        deadline,
        wait_cut,
    }
}

/// Why a charm was stopped while waiting: its wall-time limit passed.
#[derive(Debug, thiserror::Error)]
#[error("the hook's wall-time limit passed while the charm waited")]
pub struct DeadlinePassed;

impl BoundedClock<'_> {
    /// A wait of `nanos`, cut at the deadline; an error once the deadline has passed.
    fn bounded(&mut self, nanos: u64) -> wasmtime::Result<u64> {
        let Some(deadline) = self.deadline else {
            return Ok(nanos);
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(wasmtime::Error::new(DeadlinePassed));
        }
        let left = u64::try_from(left.as_nanos()).unwrap_or(u64::MAX);
        if nanos >= left {
            *self.wait_cut = true;
        }
        Ok(nanos.min(left))
    }
}

impl monotonic_clock::Host for BoundedClock<'_> {
    fn now(&mut self) -> wasmtime::Result<monotonic_clock::Instant> {
        self.clocks.now()
    }

    fn resolution(&mut self) -> wasmtime::Result<monotonic_clock::Duration> {
        self.clocks.resolution()
    }

    fn subscribe_instant(
        &mut self,
        when: monotonic_clock::Instant,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        let now = self.clocks.now()?;
        let wait = self.bounded(when.saturating_sub(now))?;
        self.clocks.subscribe_duration(wait)
    }

    fn subscribe_duration(
        &mut self,
        duration: monotonic_clock::Duration,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        let wait = self.bounded(duration)?;
        self.clocks.subscribe_duration(wait)
    }
}

/// What the sandbox gives a charm through the WASI interface `import` (any 0.2 version),
/// as `charm-host check` reports it; `None` for an interface this host does not provide.
pub fn provides(import: &str) -> Option<&'static str> {
    let (interface, version) = import.split_once('@')?;
    if !version.starts_with("0.2.") {
        return None;
    }
    Some(match interface {
        "wasi:io/error" | "wasi:io/poll" | "wasi:io/streams" => {
            "provided: streams and polling, for the interfaces below"
        }
        "wasi:clocks/wall-clock" => "provided: the time of day",
        "wasi:clocks/monotonic-clock" => "provided: a clock; waits end at the wall-time limit",
        "wasi:random/random" | "wasi:random/insecure" | "wasi:random/insecure-seed" => {
            "provided: random numbers"
        }
        "wasi:cli/exit" => "provided: exiting fails the hook",
        "wasi:cli/environment" => "provided, empty: no variables or arguments",
        "wasi:cli/stdin" => "provided, empty",
        "wasi:cli/stdout" | "wasi:cli/stderr" => "provided: captured for juju-log",
        "wasi:cli/terminal-input"
        | "wasi:cli/terminal-output"
        | "wasi:cli/terminal-stdin"
        | "wasi:cli/terminal-stdout"
        | "wasi:cli/terminal-stderr" => "provided: there is no terminal",
        "wasi:filesystem/types" | "wasi:filesystem/preopens" => {
            "linked, denied: no directory is open to the charm"
        }
        "wasi:sockets/network"
        | "wasi:sockets/instance-network"
        | "wasi:sockets/tcp"
        | "wasi:sockets/tcp-create-socket"
        | "wasi:sockets/udp"
        | "wasi:sockets/udp-create-socket"
        | "wasi:sockets/ip-name-lookup" => "linked, denied: no network",
        _ => return None,
    })
}

/// Links the WASI interface `import` names (e.g. `wasi:cli/stdout@0.2.3`; any 0.2 version)
/// into `linker`; other names are left alone (the contract is linked by the caller, and the
/// load refuses imports nobody provides, naming them).
pub fn link(linker: &mut Linker<HostState>, import: &str) -> wasmtime::Result<()> {
    let l = linker;
    if provides(import).is_none() {
        return Ok(());
    }
    let interface = import.split_once('@').map_or(import, |(name, _)| name);
    match interface {
        "wasi:io/error" => p2::io::error::add_to_linker::<_, HasIo>(l, io)?,
        "wasi:io/poll" => p2::io::poll::add_to_linker::<_, HasIo>(l, io)?,
        "wasi:io/streams" => p2::io::streams::add_to_linker::<_, HasIo>(l, io)?,
        "wasi:clocks/wall-clock" => {
            p2::clocks::wall_clock::add_to_linker::<_, WasiClocks>(l, HostState::clocks)?
        }
        "wasi:clocks/monotonic-clock" => {
            p2::clocks::monotonic_clock::add_to_linker::<_, HasBoundedClock>(l, bounded_clock)?
        }
        "wasi:random/random" => p2::random::random::add_to_linker::<_, WasiRandom>(l, random)?,
        "wasi:random/insecure" => p2::random::insecure::add_to_linker::<_, WasiRandom>(l, random)?,
        "wasi:random/insecure-seed" => {
            p2::random::insecure_seed::add_to_linker::<_, WasiRandom>(l, random)?
        }
        "wasi:cli/exit" => p2::cli::exit::add_to_linker::<_, WasiCli>(l, HostState::cli)?,
        "wasi:cli/environment" => {
            p2::cli::environment::add_to_linker::<_, WasiCli>(l, HostState::cli)?
        }
        "wasi:cli/stdin" => p2::cli::stdin::add_to_linker::<_, WasiCli>(l, HostState::cli)?,
        "wasi:cli/stdout" => p2::cli::stdout::add_to_linker::<_, WasiCli>(l, HostState::cli)?,
        "wasi:cli/stderr" => p2::cli::stderr::add_to_linker::<_, WasiCli>(l, HostState::cli)?,
        "wasi:cli/terminal-input" => {
            p2::cli::terminal_input::add_to_linker::<_, WasiCli>(l, HostState::cli)?
        }
        "wasi:cli/terminal-output" => {
            p2::cli::terminal_output::add_to_linker::<_, WasiCli>(l, HostState::cli)?
        }
        "wasi:cli/terminal-stdin" => {
            p2::cli::terminal_stdin::add_to_linker::<_, WasiCli>(l, HostState::cli)?
        }
        "wasi:cli/terminal-stdout" => {
            p2::cli::terminal_stdout::add_to_linker::<_, WasiCli>(l, HostState::cli)?
        }
        "wasi:cli/terminal-stderr" => {
            p2::cli::terminal_stderr::add_to_linker::<_, WasiCli>(l, HostState::cli)?
        }
        "wasi:filesystem/types" => {
            p2::filesystem::types::add_to_linker::<_, WasiFilesystem>(l, HostState::filesystem)?
        }
        "wasi:filesystem/preopens" => {
            p2::filesystem::preopens::add_to_linker::<_, WasiFilesystem>(l, HostState::filesystem)?
        }
        "wasi:sockets/network" => nonblocking::sockets::network::add_to_linker::<_, WasiSockets>(
            l,
            &nonblocking::LinkOptions::default().into(),
            HostState::sockets,
        )?,
        "wasi:sockets/instance-network" => nonblocking::sockets::instance_network::add_to_linker::<
            _,
            WasiSockets,
        >(l, HostState::sockets)?,
        "wasi:sockets/tcp" => {
            p2::sockets::tcp::add_to_linker::<_, WasiSockets>(l, HostState::sockets)?
        }
        "wasi:sockets/tcp-create-socket" => {
            nonblocking::sockets::tcp_create_socket::add_to_linker::<_, WasiSockets>(
                l,
                HostState::sockets,
            )?
        }
        "wasi:sockets/udp" => {
            p2::sockets::udp::add_to_linker::<_, WasiSockets>(l, HostState::sockets)?
        }
        "wasi:sockets/udp-create-socket" => {
            p2::sockets::udp_create_socket::add_to_linker::<_, WasiSockets>(l, HostState::sockets)?
        }
        "wasi:sockets/ip-name-lookup" => nonblocking::sockets::ip_name_lookup::add_to_linker::<
            _,
            WasiSockets,
        >(l, HostState::sockets)?,
        _ => {}
    }
    Ok(())
}
