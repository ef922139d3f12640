//! Benchmark charm: on any hook, reads the secret named by config option `secret-id`
//! `operations` times (each read a fresh `secret-get`), so the benchmark can measure the
//! host's cost per secret operation and per byte of content.

use juju_charm::{Charm, Context, Event, Result, config, secret_by_id};

struct Reader;

impl Charm for Reader {
    fn handle(_ctx: &Context, _event: Event) -> Result<()> {
        let config = config()?;
        let id = config.text("secret-id").unwrap_or_default().to_string();
        let operations = config.integer("operations").unwrap_or(1);
        let mut bytes = 0;
        for _ in 0..operations {
            let content = secret_by_id(id.clone()).content()?;
            bytes += content.iter().map(|(_, v)| v.len()).sum::<usize>();
        }
        juju_charm::log::info(&format!("read {operations} times, {bytes} bytes"));
        Ok(())
    }
}

juju_charm::export_charm!(Reader);
