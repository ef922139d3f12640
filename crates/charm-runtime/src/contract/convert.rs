//! The contract's types to Juju's vocabulary and back: the one place they meet. Everything
//! behind the contract's host side (policy, backends, the model) speaks the vocabulary.

use juju_hookcmds as juju;

use super::bindings::juju::charm::{config, logging, relations, secrets, status, types};

/// Converts field by field between two enums of the same unit variants.
macro_rules! same_variants {
    ($from:ty => $to:ty { $($variant:ident),* $(,)? }) => {
        impl From<$from> for $to {
            fn from(value: $from) -> Self {
                type Source = $from;
                match value {
                    $(Source::$variant => Self::$variant,)*
                }
            }
        }
    };
}

same_variants!(secrets::RotatePolicy => juju::RotatePolicy {
    Never, Hourly, Daily, Weekly, Monthly, Quarterly, Yearly
});
same_variants!(juju::RotatePolicy => secrets::RotatePolicy {
    Never, Hourly, Daily, Weekly, Monthly, Quarterly, Yearly
});
same_variants!(secrets::AddOwner => juju::AddOwner { Application, Unit });
same_variants!(juju::OwnerKind => secrets::OwnerKind { Application, Unit, Model });
same_variants!(secrets::ReadMode => juju::ReadMode { Tracked, Peek, Refresh });
same_variants!(relations::Scope => juju::Scope { Unit, App });
same_variants!(logging::Level => juju::LogLevel { Trace, Debug, Info, Warning, Error });
same_variants!(status::State => juju::WorkloadState { Active, Blocked, Maintenance, Waiting });

impl From<types::Datetime> for juju::Datetime {
    fn from(t: types::Datetime) -> Self {
        juju::Datetime {
            seconds: t.seconds,
            nanoseconds: t.nanoseconds,
        }
    }
}

impl From<juju::Datetime> for types::Datetime {
    fn from(t: juju::Datetime) -> Self {
        types::Datetime {
            seconds: t.seconds,
            nanoseconds: t.nanoseconds,
        }
    }
}

impl From<secrets::Expiry> for juju::Expiry {
    fn from(e: secrets::Expiry) -> Self {
        match e {
            secrets::Expiry::At(t) => juju::Expiry::At(t.into()),
            secrets::Expiry::AfterSeconds(s) => juju::Expiry::AfterSeconds(s),
        }
    }
}

impl From<secrets::AddOptions> for juju::AddOptions {
    fn from(o: secrets::AddOptions) -> Self {
        juju::AddOptions {
            owner: o.owner.into(),
            label: o.label,
            description: o.description,
            expire: o.expire.map(Into::into),
            rotate: o.rotate.map(Into::into),
        }
    }
}

impl From<secrets::SetOptions> for juju::SetOptions {
    fn from(o: secrets::SetOptions) -> Self {
        juju::SetOptions {
            label: o.label,
            description: o.description,
            expire: o.expire.map(Into::into),
            rotate: o.rotate.map(Into::into),
        }
    }
}

impl From<secrets::Grantee> for juju::Grantee {
    fn from(g: secrets::Grantee) -> Self {
        match g {
            secrets::Grantee::Relation(id) => juju::Grantee::Relation(id),
            secrets::Grantee::RelationUnit(ru) => juju::Grantee::RelationUnit(juju::RelationUnit {
                relation_id: ru.relation_id,
                unit: ru.unit,
            }),
            secrets::Grantee::Application(app) => juju::Grantee::Application(app),
            secrets::Grantee::Unit(unit) => juju::Grantee::Unit(unit),
        }
    }
}

impl From<juju::SecretInfo> for secrets::SecretInfo {
    fn from(i: juju::SecretInfo) -> Self {
        secrets::SecretInfo {
            id: i.id,
            label: i.label,
            revision: i.revision,
            owner: i.owner.into(),
            description: i.description,
            expires: i.expires.map(Into::into),
            rotation: i.rotation.map(Into::into),
            next_rotation: i.next_rotation.map(Into::into),
            access: i
                .access
                .into_iter()
                .map(|a| secrets::AccessGrant {
                    target: a.target,
                    scope: a.scope,
                    role: a.role,
                })
                .collect(),
        }
    }
}

impl From<relations::Databag> for juju::Databag {
    fn from(b: relations::Databag) -> Self {
        match b {
            relations::Databag::Unit(unit) => juju::Databag::Unit(unit),
            relations::Databag::App(app) => juju::Databag::App(app),
        }
    }
}

impl From<juju::ConfigValue> for config::Value {
    fn from(v: juju::ConfigValue) -> Self {
        match v {
            juju::ConfigValue::Text(s) => config::Value::Text(s),
            juju::ConfigValue::Integer(i) => config::Value::Integer(i),
            juju::ConfigValue::Float(f) => config::Value::Float(f),
            juju::ConfigValue::Boolean(b) => config::Value::Boolean(b),
        }
    }
}
