//! What a charm's `Store` holds for one hook.

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::backend::Backend;
use crate::juju::queued::QueuedChanges;

/// Per-hook host state: the (denying) WASI context, the memory limiter, the backend, and
/// what the charm queued.
pub struct HostState {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) limiter: MemoryLimiter,
    pub(crate) backend: Box<dyn Backend>,
    /// What the charm queued for each secret in this hook, to warn when a remove drops it.
    pub(crate) queued: QueuedChanges,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Caps the total linear memory of a component instance and remembers a refusal, so a
/// charm that dies after a failed allocation is reported as exceeding its memory limit
/// rather than as a mysterious crash.
pub struct MemoryLimiter {
    limit: usize,
    used: usize,
    pub(crate) exceeded: bool,
}

impl MemoryLimiter {
    /// A limiter allowing `limit` bytes of linear memory in total.
    pub fn new(limit: usize) -> Self {
        MemoryLimiter {
            limit,
            used: 0,
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
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}
