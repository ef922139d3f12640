//! What a charm's `Store` holds for one hook.

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use juju_hookcmds::queued::QueuedChanges;

use crate::backend::Backend;
use crate::contract::{CharmCtx, CharmView};
use crate::engine::store;

/// Per-hook host state: the (denying) WASI context, the memory limiter, the backend, and
/// what the charm queued.
pub struct HostState {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) limiter: MemoryLimiter,
    pub(crate) backend: Box<dyn Backend>,
    /// What the charm queued for each secret in this hook, to warn when a remove drops it.
    pub(crate) queued: QueuedChanges,
    /// Calls into the backend so far, and how many the hook may make.
    pub(crate) host_calls: (u64, u64),
    /// When the hook's wall-time limit ends (set as the hook starts).
    pub(crate) deadline: Option<std::time::Instant>,
    /// The charm asked to wait past the deadline: the wait was cut there, and the hook has
    /// run out of time whatever it does next.
    pub(crate) wait_cut: bool,
}

impl CharmView for HostState {
    fn charm(&mut self) -> CharmCtx<'_> {
        CharmCtx::new(
            self.backend.as_mut(),
            &mut self.host_calls,
            &mut self.queued,
        )
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Caps the memory of a hook's store (instance metadata, linear memories and tables together:
/// a table element takes a pointer's worth) and the number of instances, tables and memories, and remembers
/// a refusal, so a charm that dies after a failed allocation is reported as exceeding its
/// memory limit rather than as a mysterious crash.
pub struct MemoryLimiter {
    limit: usize,
    used: usize,
    pub(crate) exceeded: bool,
}

impl MemoryLimiter {
    /// A limiter allowing `limit` bytes in total, of which `metadata` (the instances' metadata,
    /// which wasmtime allocates without asking) is taken from the start.
    pub fn new(limit: usize, metadata: u64) -> Self {
        MemoryLimiter {
            limit,
            used: usize::try_from(metadata).unwrap_or(usize::MAX),
            exceeded: false,
        }
    }
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let grown = self.used.saturating_add(desired.saturating_sub(current));
        if grown > self.limit {
            self.exceeded = true;
            return Ok(false);
        }
        self.used = grown;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let bytes = desired
            .saturating_sub(current)
            .saturating_mul(std::mem::size_of::<usize>());
        let grown = self.used.saturating_add(bytes);
        if grown > self.limit {
            self.exceeded = true;
            return Ok(false);
        }
        self.used = grown;
        Ok(true)
    }

    fn instances(&self) -> usize {
        store::INSTANCES
    }

    fn tables(&self) -> usize {
        store::TABLES
    }

    fn memories(&self) -> usize {
        store::MEMORIES
    }
}
