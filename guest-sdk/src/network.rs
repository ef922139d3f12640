//! Outbound TCP to the hosts and ports the manifest grants (`network`): the host resolves
//! granted names only and checks every address.
//!
//! ```no_run
//! # fn f() -> juju_charm::Result<()> {
//! let stream = juju_charm::network::connect("db.internal", 5432)?;
//! stream.send(b"ping")?;
//! let reply = stream.receive(4096)?;
//! # Ok(()) }
//! ```

use crate::bindings::juju::charm::network as wit;
use crate::error::Result;

/// An open connection; dropping it closes it. It implements [`std::io::Read`] and
/// [`std::io::Write`].
pub struct TcpStream(wit::TcpStream);

/// Connects to `host` (a name or an address) on `port`.
pub fn connect(host: &str, port: u16) -> Result<TcpStream> {
    Ok(TcpStream(wit::connect(host, port)?))
}

impl TcpStream {
    /// Up to `max` bytes as soon as some arrive; empty once the peer has closed.
    pub fn receive(&self, max: u32) -> Result<Vec<u8>> {
        Ok(self.0.read(max)?)
    }

    /// Sends all of `data`.
    pub fn send(&self, data: &[u8]) -> Result<()> {
        Ok(self.0.write(data)?)
    }

    /// No more writes: the peer reads the end.
    pub fn shutdown(&self) -> Result<()> {
        Ok(self.0.shutdown()?)
    }
}

fn io_error(e: crate::Error) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

impl std::io::Read for TcpStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let max = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        let data = self.receive(max).map_err(io_error)?;
        buf[..data.len()].copy_from_slice(&data);
        Ok(data.len())
    }
}

impl std::io::Write for TcpStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.send(buf).map_err(io_error)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
