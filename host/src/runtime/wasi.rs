//! WASI linked per component, only the interfaces it imports. Linking all of WASI 0.2 costs
//! a hook process about a fifth of a millisecond, spent again on every hook; a Rust charm
//! imports a handful of interfaces. The sandbox does not rest on this: whatever is linked
//! is denied through the store's `WasiCtx` (no files, sockets, environment or stdio).

use wasmtime::component::{HasData, Linker, ResourceTable};
use wasmtime_wasi::WasiView;
use wasmtime_wasi::cli::{WasiCli, WasiCliView};
use wasmtime_wasi::clocks::{WasiClocks, WasiClocksView};
use wasmtime_wasi::filesystem::{WasiFilesystem, WasiFilesystemView};
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

/// Links the WASI interface `import` names (e.g. `wasi:cli/stdout@0.2.3`; any 0.2 version)
/// into `linker`. Other names are left alone: the contract is linked by the caller, and
/// instantiation names any import nobody provides.
pub fn link(linker: &mut Linker<HostState>, import: &str) -> wasmtime::Result<()> {
    let l = linker;
    let interface = import.split_once('@').map_or(import, |(name, _)| name);
    match interface {
        "wasi:io/error" => p2::io::error::add_to_linker::<_, HasIo>(l, io)?,
        "wasi:io/poll" => p2::io::poll::add_to_linker::<_, HasIo>(l, io)?,
        "wasi:io/streams" => p2::io::streams::add_to_linker::<_, HasIo>(l, io)?,
        "wasi:clocks/wall-clock" => {
            p2::clocks::wall_clock::add_to_linker::<_, WasiClocks>(l, HostState::clocks)?
        }
        "wasi:clocks/monotonic-clock" => {
            p2::clocks::monotonic_clock::add_to_linker::<_, WasiClocks>(l, HostState::clocks)?
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
