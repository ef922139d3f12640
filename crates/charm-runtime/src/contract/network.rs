use wasmtime::component::Resource;

use super::CharmCtx;
use super::bindings::juju::charm::network::{self, TcpStream};
use crate::error::HostError;

/// The most bytes one read returns: a charm asking for more gets this much.
const MAX_READ: u32 = 64 << 10;

impl network::Host for CharmCtx<'_> {
    /// The stream's handle is the backend's: the component model keeps the charm from
    /// forging one. Nothing is reachable until the policy finds a grant.
    fn connect(&mut self, host: String, port: u16) -> Result<Resource<TcpStream>, HostError> {
        let nothing = crate::capabilities::Granted::nothing();
        let stream = self.backend()?.tcp_connect(&host, port, &nothing)?;
        Ok(Resource::new_own(stream))
    }
}

impl network::HostTcpStream for CharmCtx<'_> {
    fn read(&mut self, stream: Resource<TcpStream>, max: u32) -> Result<Vec<u8>, HostError> {
        let max = max.min(MAX_READ) as usize;
        self.backend()?.tcp_read(stream.rep(), max)
    }

    fn write(&mut self, stream: Resource<TcpStream>, data: Vec<u8>) -> Result<(), HostError> {
        self.backend()?.tcp_write(stream.rep(), &data)
    }

    fn shutdown(&mut self, stream: Resource<TcpStream>) -> Result<(), HostError> {
        self.backend()?.tcp_shutdown(stream.rep())
    }

    fn drop(&mut self, stream: Resource<TcpStream>) -> wasmtime::Result<()> {
        self.backend.tcp_close(stream.rep());
        Ok(())
    }
}
