//! Loading a charm component and running one hook in a sandbox.
//!
//! One [`Runtime`] (engine, epoch ticker) per process; one [`Charm`] (a type-checked
//! `InstancePre`, linked with the contract and the WASI interfaces it imports) per component;
//! a fresh `Store` per hook, with WASI denied through `WasiCtx`: no environment, arguments,
//! files, sockets or inherited stdio. The charm's stdout and stderr are captured (bounded)
//! for the caller to forward to juju-log.

pub mod artifacts;
pub mod ceilings;
mod footprint;
mod limits;
mod state;
mod ticker;
mod wasi;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use juju_hookcmds::neutral;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store, Trap};
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

pub(crate) use limits::store;
pub use limits::{Bytes, Limits, LimitsSpec, Seconds, parse_duration, parse_size};
use state::{HostState, MemoryLimiter};
use ticker::Ticker;
pub(crate) use wasi::provides as wasi_provides;

use crate::backend::Backend;
use crate::contract::CharmPre;
use crate::contract::event::HookEvent;
use crate::error::HostError;

/// The most a charm component may weigh; Python components are about 20 MB.
pub const MAX_COMPONENT: usize = 128 << 20;

/// Reads a component file, refusing anything but a regular file of at most
/// [`MAX_COMPONENT`] bytes before reading it whole (a link to `/dev/zero` is not a component).
pub fn read_component(path: &Path) -> Result<Vec<u8>, LoadError> {
    use crate::private_file::{ReadError, read_regular};
    let shown = path.display().to_string();
    read_regular(path, MAX_COMPONENT as u64).map_err(|e| match e {
        ReadError::Io(e) => LoadError::Unreadable(shown, e.to_string()),
        ReadError::NotAFile => LoadError::NotAFile(shown),
        ReadError::TooLarge { size, .. } => LoadError::TooLarge {
            path: shown,
            size: usize::try_from(size).unwrap_or(usize::MAX),
        },
    })
}

/// Native stack for the host functions a charm calls, beyond its own wasm stack limit.
const HOST_STACK: usize = 4 << 20;

/// Whether this is the main thread and its stack may grow to `needed` bytes (the kernel
/// grows the main thread's stack up to `RLIMIT_STACK`).
fn main_stack_fits(needed: usize) -> bool {
    if std::thread::current().name() != Some("main") {
        return false;
    }
    // SAFETY: an all-zero rlimit is a valid value for getrlimit to fill in.
    let mut limit: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: getrlimit writes the limit into the struct it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut limit) } != 0 {
        return false;
    }
    limit.rlim_cur == libc::RLIM_INFINITY || limit.rlim_cur >= needed as libc::rlim_t
}

/// Why a component could not be loaded. Each message names the file and the problem.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read (path, reason).
    #[error("cannot read charm component {0}: {1}")]
    Unreadable(String, String),
    /// The file does not start with the wasm magic number (path).
    #[error("{0} is not a WebAssembly file")]
    NotWasm(String),
    /// Not a regular file: a device, a directory, a pipe (path).
    #[error("{0} is not a regular file")]
    NotAFile(String),
    /// Larger than a component may be (path, size).
    #[error("{path} is {} long, more than the {} a charm component may be", Bytes(*.size), Bytes(MAX_COMPONENT))]
    TooLarge {
        /// The file.
        path: String,
        /// Its size.
        size: usize,
    },
    /// A core module, not a component (path).
    #[error("{0} is a core WebAssembly module, not a component: build the charm for wasm32-wasip2")]
    CoreModule(String),
    /// Wasmtime rejected the component (path, reason).
    #[error("{0} is not a valid WebAssembly component: {1}")]
    Invalid(String, String),
    /// It imports something this host does not provide (path, reason).
    #[error("{0} cannot run on this host: {1}")]
    Link(String, String),
    /// A precompiled artifact could not be written (path, reason).
    #[error("cannot write precompiled artifact {0}: {1}")]
    Artifact(String, String),
    /// It does not export the contract's `handle` (path, reason, the contract version its
    /// imports target).
    #[error("{0} is not a charm: it does not export `handle` of world juju:charm/charm@{2} ({1})")]
    NotACharm(String, String, &'static str),
}

/// Why a hook failed. The `Display` text is the one line shown on stderr and in juju-log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookFailure {
    /// The charm's `handle` returned an error.
    #[error("charm returned an error: {0}")]
    CharmError(String),
    /// Its code ran longer than the wall-time limit.
    #[error("charm exceeded its {} wall-time limit", Seconds(*.0))]
    WallTime(Duration),
    /// It tried to grow its memory past the limit.
    #[error("charm exceeded its {} memory limit", Bytes(*.0))]
    Memory(usize),
    /// Its wasm stack overflowed the limit.
    #[error("charm exceeded its {} wasm stack limit", Bytes(*.0))]
    Stack(usize),
    /// It wrote more than the output limit.
    #[error("charm exceeded its {} output limit", Bytes(*.0))]
    Output(usize),
    /// It ran out of its fuel budget.
    #[error("charm exceeded its fuel budget of {0}")]
    Fuel(u64),
    /// It passed the host more data in one call than the limit.
    #[error("charm exceeded its {} host-call data limit", Bytes(*.0))]
    HostCallData(usize),
    /// It made more host calls than its budget.
    #[error("charm exceeded its budget of {0} host calls")]
    HostCalls(u64),
    /// It created more of something countable than a hook's store may hold (what, limit).
    #[error("charm exceeded its limit of {1} {0}")]
    Count(&'static str, usize),
    /// It trapped (a panic, an abort, a fault).
    #[error("charm crashed: {0}")]
    Crashed(String),
    /// The host could not carry out a call (a hook command missing, hung or unparseable).
    #[error("{0}")]
    Host(String),
}

/// The result of one hook, with everything the caller needs afterwards.
pub struct HookReport {
    /// `Ok` if the hook succeeded.
    pub outcome: Result<(), HookFailure>,
    /// The charm's captured stdout.
    pub stdout: Vec<u8>,
    /// The charm's captured stderr.
    pub stderr: Vec<u8>,
    /// The backend the hook ran against, handed back for forwarding logs or inspection.
    pub backend: Box<dyn Backend>,
}

/// The engine and the epoch ticker.
pub struct Runtime {
    engine: Engine,
    engine_hash: String,
    limits: Limits,
    ticker: Arc<Ticker>,
}

/// Where a loaded charm's compiled code came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Compiled now (and saved to the cache, if there is one).
    Compiled,
    /// The host's artifact cache.
    Cache,
}

impl Runtime {
    /// An engine and an epoch ticker thread, for any number of hooks at once.
    pub fn new(limits: Limits) -> anyhow::Result<Self> {
        let engine = Self::engine(&limits)?;
        let ticker = Ticker::thread(&engine)?;
        Ok(Self::with(engine, limits, ticker))
    }

    /// The runtime of a process that runs one hook at a time (`charm-host run`): its
    /// wall-time limit is a timer signal, not a thread. A second one in the same process
    /// gets a ticker thread.
    pub fn for_hook_process(limits: Limits) -> anyhow::Result<Self> {
        let engine = Self::engine(&limits)?;
        let ticker = match Ticker::alarm(&engine) {
            Some(alarm) => alarm,
            None => Ticker::thread(&engine)?,
        };
        Ok(Self::with(engine, limits, ticker))
    }

    fn engine(limits: &Limits) -> anyhow::Result<Engine> {
        let mut config = Config::new();
        config
            .epoch_interruption(true)
            .consume_fuel(limits.fuel.is_some())
            .max_wasm_stack(limits.wasm_stack)
            .async_stack_size(limits.wasm_stack + (1 << 20));
        Ok(Engine::new(&config)?)
    }

    fn with(engine: Engine, limits: Limits, ticker: Ticker) -> Self {
        Runtime {
            engine_hash: artifacts::engine_hash(&engine),
            engine,
            limits,
            ticker: Arc::new(ticker),
        }
    }

    /// The limits every hook runs with.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Loads and type-checks a component file.
    pub fn load_file(&self, path: &Path) -> Result<Charm, LoadError> {
        let shown = path.display().to_string();
        let bytes = read_component(path)?;
        self.load_bytes(&bytes, &shown)
    }

    /// The engine's compatibility hash: artifacts are only shared between equal ones.
    pub fn engine_hash(&self) -> &str {
        &self.engine_hash
    }

    /// Loads a component from its artifact in `cache` when a valid one is there, else
    /// compiles it and saves the artifact there. An artifact whose record does not match this
    /// component and engine, or that wasmtime rejects, is ignored (and replaced).
    pub fn load_file_cached(
        &self,
        path: &Path,
        cache: Option<&artifacts::Cache>,
    ) -> Result<(Charm, Origin), LoadError> {
        let shown = path.display().to_string();
        let Some(cache) = cache else {
            return self.load_file(path).map(|c| (c, Origin::Compiled));
        };
        let mut bytes = None;
        let hash = match cache.known_hash(path) {
            Some(hash) => hash,
            None => {
                let b = read_component(path)?;
                let hash = artifacts::component_hash(&b);
                // A cache that cannot be written only costs speed.
                let _ = cache.remember_hash(path, &hash);
                bytes = Some(b);
                hash
            }
        };
        let artifact = cache.artifact(&hash);
        if let Some(metadata) = artifacts::matches(&artifact, &hash, &self.engine_hash) {
            // SAFETY: wasmtime trusts a deserialized artifact's machine code. Only artifacts
            // this host compiled into its own cache, which nobody else may write (checked when
            // the cache was opened, and the file's owner and mode just now), whose record
            // names this component and this engine, get here; wasmtime still checks the
            // artifact's header and engine compatibility.
            if let Ok(component) = unsafe { Component::deserialize_file(&self.engine, &artifact) } {
                return self
                    .prepare(component, metadata, shown)
                    .map(|c| (c, Origin::Cache));
            }
        }
        let bytes = match bytes {
            Some(b) => b,
            None => read_component(path)?,
        };
        let (component, metadata) = self.compile(&bytes, &shown)?;
        if let Ok(serialized) = component.serialize() {
            let _ = artifacts::write(&artifact, &serialized, &hash, &self.engine_hash, metadata);
        }
        self.prepare(component, metadata, shown)
            .map(|c| (c, Origin::Compiled))
    }

    /// Loads and type-checks a component; `name` is how errors refer to it.
    pub fn load_bytes(&self, bytes: &[u8], name: &str) -> Result<Charm, LoadError> {
        let (component, metadata) = self.compile(bytes, name)?;
        self.prepare(component, metadata, name.to_string())
    }

    /// Compiles a component and lists its imports and exports, without linking it: what
    /// `charm-host check` shows even for a component that would not load.
    pub fn inspect_file(&self, path: &Path) -> Result<Inspection, LoadError> {
        let shown = path.display().to_string();
        let bytes = read_component(path)?;
        let (component, metadata) = self.compile(&bytes, &shown)?;
        let ty = component.component_type();
        let names = |items: &mut dyn Iterator<Item = &str>| items.map(String::from).collect();
        Ok(Inspection {
            imports: names(&mut ty.imports(&self.engine).map(|(n, _)| n)),
            exports: names(&mut ty.exports(&self.engine).map(|(n, _)| n)),
            metadata,
        })
    }

    /// The component compiled, and its instance metadata in bytes.
    fn compile(&self, bytes: &[u8], path: &str) -> Result<(Component, u64), LoadError> {
        let path = path.to_string();
        if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
            return Err(LoadError::NotWasm(path));
        }
        if bytes[4..8] == [1, 0, 0, 0] {
            return Err(LoadError::CoreModule(path));
        }
        let component = Component::new(&self.engine, bytes)
            .map_err(|e| LoadError::Invalid(path.clone(), root_cause(&e)))?;
        let metadata =
            footprint::instance_metadata(bytes).map_err(|e| LoadError::Invalid(path, e))?;
        Ok((component, metadata))
    }

    fn prepare(
        &self,
        component: Component,
        metadata: u64,
        path: String,
    ) -> Result<Charm, LoadError> {
        let imports: Vec<String> = component
            .component_type()
            .imports(&self.engine)
            .map(|(name, _)| name.to_string())
            .collect();
        if let Some(unknown) = imports.iter().find(|i| !provides(i)) {
            return Err(LoadError::Link(path, not_provided(unknown)));
        }
        let version = crate::contract::targets(&imports)
            .map_err(|e| LoadError::Link(path.clone(), e))?
            .unwrap_or(crate::contract::CONTRACT_VERSION);
        let instance_pre = self
            .linker_for(&imports, version)
            .map_err(|e| LoadError::Link(path.clone(), root_cause(&e)))?
            .instantiate_pre(&component)
            .map_err(|e| LoadError::Link(path.clone(), root_cause(&e)))?;
        let pre = CharmPre::new(instance_pre, version)
            .map_err(|e| LoadError::NotACharm(path.clone(), root_cause(&e), version))?;
        Ok(Charm {
            pre,
            engine: self.engine.clone(),
            ticker: self.ticker.clone(),
            limits: self.limits,
            fuel_metered: self.limits.fuel.is_some(),
            imports,
            metadata,
        })
    }

    /// A linker with the contract `version` the component targets and the WASI interfaces
    /// among `imports` (WASI denied through `WasiCtx`).
    fn linker_for(&self, imports: &[String], version: &str) -> wasmtime::Result<Linker<HostState>> {
        let mut linker = Linker::new(&self.engine);
        crate::contract::add_to_linker(&mut linker, version)?;
        for import in imports {
            wasi::link(&mut linker, import)?;
        }
        Ok(linker)
    }
}

/// Whether this host provides interface `import`: one of the contract's, or a WASI interface
/// the sandbox links (denied through `WasiCtx`).
pub(crate) fn provides(import: &str) -> bool {
    wasi::provides(import).is_some() || crate::contract::interface(import).is_some()
}

/// Why a component importing `import`, which this host does not provide, cannot run.
pub(crate) fn not_provided(import: &str) -> String {
    format!("it imports {import}, which this host does not provide")
}

/// The innermost message of an error chain, without wasm backtraces.
fn root_cause(e: &wasmtime::Error) -> String {
    e.chain()
        .last()
        .map(|c| c.to_string())
        .unwrap_or_else(|| e.to_string())
}

/// What `charm-host check` reports of a component before linking it.
pub struct Inspection {
    /// Its imports, e.g. `juju:charm/secrets@0.2.0`.
    pub imports: Vec<String>,
    /// Its exports.
    pub exports: Vec<String>,
    /// Bytes of instance metadata its instantiation takes from the memory limit.
    pub metadata: u64,
}

/// A loaded, type-checked charm, ready to run hooks.
pub struct Charm {
    pre: CharmPre<HostState>,
    engine: Engine,
    ticker: Arc<Ticker>,
    limits: Limits,
    fuel_metered: bool,
    imports: Vec<String>,
    /// What its instances' metadata takes, charged to the memory limit before instantiation.
    metadata: u64,
}

impl Charm {
    /// The component's imports, e.g. `juju:charm/secrets@0.2.0`, `wasi:cli/stdout@0.2.6`.
    pub fn imports(&self) -> &[String] {
        &self.imports
    }

    /// The limits its hooks run with.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Runs one hook in a fresh store. Never panics on anything the guest does.
    pub fn run(&self, event: &HookEvent, backend: Box<dyn Backend>) -> HookReport {
        self.run_with_limits(event, backend, self.limits)
    }

    /// Runs one hook with these limits instead of the runtime's (a harness running several
    /// charms, each with its manifest's limits). Engine-wide settings stay the runtime's: the
    /// wasm stack, and whether fuel is metered.
    pub fn run_with_limits(
        &self,
        event: &HookEvent,
        backend: Box<dyn Backend>,
        limits: Limits,
    ) -> HookReport {
        let stdout = MemoryOutputPipe::new(limits.output);
        let stderr = MemoryOutputPipe::new(limits.output);
        let wasi = WasiCtx::builder()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            // What one call may ask for (wasmtime allows 64 MiB, outside the memory limit).
            .max_random_size(64 << 10)
            .build();
        let mut table = ResourceTable::new();
        table.set_max_capacity(store::HANDLES);
        let state = HostState {
            wasi,
            table,
            limiter: MemoryLimiter::new(limits.memory, self.metadata),
            backend,
            queued: Default::default(),
            host_calls: (0, limits.host_calls),
            deadline: None,
            wait_cut: false,
        };
        // Wasm runs on the calling thread's stack, which needs room for the wasm stack limit
        // plus the host functions it calls: the main thread's usually has it (a hook
        // process saves a thread), others get a thread that has.
        let needed = limits.wasm_stack + HOST_STACK;
        let (outcome, state) = if main_stack_fits(needed) {
            self.call(event, state, &limits)
        } else {
            std::thread::scope(|scope| {
                std::thread::Builder::new()
                    .name("charm-hook".into())
                    .stack_size(needed)
                    .spawn_scoped(scope, || self.call(event, state, &limits))
                    .expect("spawning the hook thread")
                    .join()
                    .expect("the hook thread does not panic")
            })
        };
        let mut state = state;
        state.backend.finish_hook();
        let (stdout, stderr) = (stdout.contents().to_vec(), stderr.contents().to_vec());
        let outcome = outcome.map_err(|failure| match failure {
            HookFailure::Crashed(_)
                if stdout.len() >= limits.output || stderr.len() >= limits.output =>
            {
                HookFailure::Output(limits.output)
            }
            HookFailure::Crashed(reason) => {
                HookFailure::Crashed(one_line(&describe_crash(reason, &stderr)))
            }
            other => other,
        });
        HookReport {
            outcome,
            stdout,
            stderr,
            backend: state.backend,
        }
    }

    fn call(
        &self,
        event: &HookEvent,
        state: HostState,
        limits: &Limits,
    ) -> (Result<(), HookFailure>, HostState) {
        // Its instances' metadata alone is over the limit: nothing is instantiated.
        if self.metadata > limits.memory as u64 {
            return (Err(HookFailure::Memory(limits.memory)), state);
        }
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limiter);
        store.set_epoch_deadline(self.ticker.deadline(limits.wall_time));
        store.epoch_deadline_trap();
        store.set_hostcall_fuel(limits.host_call_data);
        if self.fuel_metered {
            let budget = limits.fuel.unwrap_or(u64::MAX);
            if let Err(e) = store.set_fuel(budget) {
                return (
                    Err(HookFailure::Host(format!("cannot set fuel: {e}"))),
                    store.into_data(),
                );
            }
        }
        let deadline = std::time::Instant::now() + limits.wall_time;
        store.data_mut().deadline = Some(deadline);
        store.data_mut().backend.set_deadline(Some(deadline));
        let _clock = self.ticker.start(limits.wall_time);
        let result = self.pre.handle(&mut store, event);
        store.data_mut().backend.set_deadline(None);
        let outcome = match result {
            // It waited out its limit and ended before the epoch caught up: still too long.
            Ok(_) if store.data().wait_cut && std::time::Instant::now() >= deadline => {
                Err(HookFailure::WallTime(limits.wall_time))
            }
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(HookFailure::CharmError(one_line(&message))),
            Err(e) => Err(classify(
                &e,
                limits,
                store.data().limiter.exceeded,
                std::time::Instant::now() >= deadline,
            )),
        };
        (outcome, store.into_data())
    }
}

fn classify(
    e: &wasmtime::Error,
    limits: &Limits,
    memory_exceeded: bool,
    deadline_passed: bool,
) -> HookFailure {
    if memory_exceeded {
        return HookFailure::Memory(limits.memory);
    }
    // Stopped at the limit while waiting, or while a hook command ran: the same failure as
    // running too long.
    if e.downcast_ref::<wasi::DeadlinePassed>().is_some()
        || (deadline_passed && e.downcast_ref::<HostError>().is_some())
    {
        return HookFailure::WallTime(limits.wall_time);
    }
    match e.downcast_ref::<HostError>() {
        Some(HostError::HostCalls(budget)) => return HookFailure::HostCalls(*budget),
        Some(host) => return HookFailure::Host(host.to_string()),
        None => {}
    }
    // WASI p2's exit carries only success or failure, so the status is not worth showing.
    if e.downcast_ref::<wasmtime_wasi::I32Exit>().is_some() {
        return HookFailure::Crashed("it called exit instead of returning".into());
    }
    // wasmtime's error types for these are private; their messages are stable and specific.
    let cause = root_cause(e);
    if cause.contains("fuel allocated for hostcalls has been exhausted") {
        return HookFailure::HostCallData(limits.host_call_data);
    }
    for (count, what, limit) in [
        (
            "instance count too high",
            "core instances",
            store::INSTANCES,
        ),
        ("table count too high", "tables", store::TABLES),
        ("memory count too high", "memories", store::MEMORIES),
    ] {
        if cause.contains(count) {
            return HookFailure::Count(what, limit);
        }
    }
    if cause.contains("resource table has no free keys") {
        return HookFailure::Count("host handles", store::HANDLES);
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => HookFailure::Fuel(limits.fuel.unwrap_or_default()),
        Some(Trap::Interrupt) => HookFailure::WallTime(limits.wall_time),
        Some(Trap::StackOverflow) => HookFailure::Stack(limits.wasm_stack),
        Some(trap) => HookFailure::Crashed(trap.to_string()),
        None => HookFailure::Crashed(root_cause(e)),
    }
}

/// How much of a charm's own words a failure line keeps.
const CHARM_WORDS: usize = 1000;

/// A charm's words (its error, its last line on stderr) as they may go into a failure line
/// on stderr and juju-log: one line, control characters as spaces, at most [`CHARM_WORDS`]
/// characters.
pub(crate) fn one_line(text: &str) -> String {
    one_line_capped(text, CHARM_WORDS)
}

/// [`one_line`], keeping at most `cap` characters.
pub(crate) fn one_line_capped(text: &str, cap: usize) -> String {
    let flat: String = text.trim().chars().map(neutral).collect();
    let total = flat.chars().count();
    if total <= cap {
        return flat;
    }
    let kept: String = flat.chars().take(cap).collect();
    format!("{kept}… ({} more characters)", total - cap)
}

/// Adds the charm's own last words (a panic message, say) from its stderr, skipping the
/// `note: run with RUST_BACKTRACE=1` hint Rust guests print after a panic.
fn describe_crash(reason: String, stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    match text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty() && !l.starts_with("note: "))
    {
        Some(last) => format!("{reason} ({})", last.trim()),
        None => reason,
    }
}

#[cfg(test)]
mod tests {
    use wasmtime::{Instance, Module};

    use super::*;

    #[test]
    fn a_store_refuses_core_instances_past_its_limit_by_name() {
        let engine = Engine::default();
        let module = Module::new(&engine, wat::parse_str("(module)").unwrap()).unwrap();
        let mut store = Store::new(&engine, MemoryLimiter::new(1 << 20, 0));
        store.limiter(|limiter| limiter);
        for _ in 0..store::INSTANCES {
            Instance::new(&mut store, &module, &[]).unwrap();
        }
        let e = Instance::new(&mut store, &module, &[]).unwrap_err();
        assert_eq!(
            classify(&e, &Limits::default(), false, false),
            HookFailure::Count("core instances", store::INSTANCES)
        );
        assert_eq!(
            classify(&e, &Limits::default(), false, false).to_string(),
            "charm exceeded its limit of 200 core instances"
        );
    }
}
