//! Every parser of outside input, fed arbitrary input: hook command output, the capability
//! manifest, scenario files and the hook environment. None may panic; every error is one
//! line; secret-get output never comes back in an error.
//!
//! The suite runs a bounded number of cases. For a longer run:
//! `PROPTEST_CASES=200000 cargo test -p charm-host --test fuzz_parsers`.

use proptest::prelude::*;

use charm_runtime::HostError;
use charm_runtime::backend::Backend;
use charm_runtime::backend::hook_tools::{Completed, HookToolBackend, Invocation, Runner};
use charm_runtime::capabilities::Manifest;
use charm_testing::scenario;
use juju_hookcmds::output::{parse_relation_ids, parse_secret_info};
use juju_hookcmds::{CommandError, Lookup, ReadMode};
use juju_rules::SecretId;

/// The host's error for a failed command, as the backend makes it.
fn error_from_stderr(tool: &str, code: i32, stderr: &str) -> HostError {
    CommandError::from_stderr(tool, code, stderr).into()
}

/// Answers every command with the same stdout.
struct Replay(String);

impl Runner for Replay {
    fn run(&mut self, _: &Invocation) -> Result<Completed, HostError> {
        Ok(Completed {
            code: 0,
            stdout: self.0.clone(),
            stderr: String::new(),
        })
    }
}

fn one_line(e: &impl std::fmt::Display) -> bool {
    !e.to_string().contains('\n')
}

/// Arbitrary text, biased towards the shapes the parsers expect.
fn input() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(any::<u8>(), 0..200)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        "[{}\\[\\]\":,a-z0-9 \\n-]{0,80}",
        "\\{\"[a-z]{20}\":\\{\"revision\":[0-9-]{1,3},\"owner\":\"[a-z]{0,11}\"\\}\\}",
        "[a-z]{1,10}: ?[\\[{]?[a-z0-9, -]{0,30}[\\]}]?\\n?",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn hook_command_output_parsers_never_panic(out in input()) {
        if let Err(e) = parse_secret_info(&out) { prop_assert!(one_line(&e)); }
        if let Err(e) = parse_relation_ids(&out) { prop_assert!(one_line(&e)); }
        let mut b = HookToolBackend::with_runner(Replay(out.clone()));
        if let Err(e) = b.is_leader() { prop_assert!(one_line(&e)); }
        if let Err(e) = b.secret_ids() { prop_assert!(one_line(&e)); }
        if let Err(e) = b.config_get() { prop_assert!(one_line(&e)); }
        if let Err(e) = b.relation_units(1) { prop_assert!(one_line(&e)); }
        let id = SecretId::parse("secret:cid6tkuffbas7af0e0eg").unwrap();
        if let Err(e) = b.secret_get(&Lookup::Id(id), ReadMode::Tracked, None) {
            prop_assert!(one_line(&e));
            prop_assert!(out.len() < 4 || !e.to_string().contains(out.as_str()), "{e}");
        }
    }

    #[test]
    fn error_output_maps_to_a_one_line_error(code in 1..3i32, stderr in input()) {
        let e = error_from_stderr("secret-get", code, &stderr);
        prop_assert!(one_line(&e), "{e:?}");
    }

    #[test]
    fn manifests_never_panic_and_refuse_in_one_line(text in input()) {
        if let Err(e) = Manifest::parse(&text, "capabilities.yaml") {
            prop_assert!(one_line(&e), "{e}");
        }
    }

    #[test]
    fn scenarios_never_panic_and_refuse_in_one_line(text in input()) {
        if let Err(e) = scenario::parse(&text) {
            prop_assert!(one_line(&e), "{e}");
        }
    }

    #[test]
    fn the_hook_environment_never_panics(
        hook in "[a-z-]{0,30}",
        unit in "[a-z/0-9]{0,12}",
        relation in "[a-z:0-9-]{0,10}",
        revision in "[0-9a-z-]{0,5}",
    ) {
        let vars = [
            ("JUJU_HOOK_NAME", hook),
            ("JUJU_UNIT_NAME", unit),
            ("JUJU_RELATION_ID", relation),
            ("JUJU_SECRET_ID", "secret:x".to_string()),
            ("JUJU_SECRET_REVISION", revision),
        ];
        let result = charm_runtime::event::from_env(|k| {
            vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
        });
        if let Err(e) = result { prop_assert!(one_line(&e)); }
    }
}
