//! What instantiating a component costs the host beyond its linear memories and tables.
//!
//! wasmtime gives every core instance a block of metadata (its `VMContext`) sized by the
//! module's functions, globals, tables and memories, allocated outside the store's resource
//! limiter. A component can instantiate one small module with a million globals a hundred
//! times: a few megabytes of wasm, gigabytes of memory no limit saw. This module reads the
//! component's structure (never its code) and sums an upper estimate of that metadata over
//! every core instance the component creates, so the hook charges it to the memory limit
//! before anything is instantiated.

use wasmparser::{
    ComponentAlias, ComponentExternalKind, ComponentInstance, ComponentOuterAliasKind,
    ComponentTypeRef, Instance, Parser, Payload, TypeRef,
};

/// Fixed cost of one core instance (wasmtime's instance record and its bookkeeping).
const CORE_INSTANCE: u64 = 4 << 10;
/// Fixed cost of one component instance.
const COMPONENT_INSTANCE: u64 = 4 << 10;
/// Per function, defined or imported: a function reference (four words).
const FUNCTION: u64 = 32;
/// Per imported function, on top: its import record (three words).
const FUNCTION_IMPORT: u64 = 24;
/// Per global, table, memory or tag, defined or imported: its definition or import record.
const ITEM: u64 = 24;

/// What one core module's instance costs.
#[derive(Default)]
struct ModuleCounts {
    functions: u64,
    imported_functions: u64,
    items: u64,
}

impl ModuleCounts {
    fn bytes(&self) -> u64 {
        CORE_INSTANCE
            .saturating_add(self.functions.saturating_mul(FUNCTION))
            .saturating_add(self.imported_functions.saturating_mul(FUNCTION_IMPORT))
            .saturating_add(self.items.saturating_mul(ITEM))
    }
}

/// One component's index spaces, as far as they matter here: what each core module and
/// component in it costs to instantiate, and what its own instantiations add up to.
#[derive(Default)]
struct Scope {
    modules: Vec<u64>,
    components: Vec<u64>,
    total: u64,
}

/// What is being read: a component (with its index spaces) or a core module inside one.
enum Frame {
    Component(Scope),
    Module(ModuleCounts),
}

/// An upper estimate, in bytes, of the instance metadata wasmtime allocates when `bytes` (a
/// component wasmtime accepted) is instantiated once. An item whose cost cannot be known
/// from the binary (a module or component exported by an instance) is charged as the most
/// costly one seen so far.
pub fn instance_metadata(bytes: &[u8]) -> Result<u64, String> {
    let mut stack: Vec<Frame> = Vec::new();
    let (mut costliest_module, mut costliest_component) = (0u64, 0u64);
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| e.to_string())?;
        match payload {
            Payload::Version { encoding, .. } => stack.push(match encoding {
                wasmparser::Encoding::Component => Frame::Component(Scope::default()),
                wasmparser::Encoding::Module => Frame::Module(ModuleCounts::default()),
            }),
            Payload::End(_) => {
                let done = stack.pop().ok_or("unbalanced sections")?;
                let parent = match stack.last_mut() {
                    Some(Frame::Component(scope)) => scope,
                    Some(Frame::Module(_)) => return Err("a module inside a module".into()),
                    None => {
                        return match done {
                            Frame::Component(scope) => {
                                Ok(scope.total.saturating_add(COMPONENT_INSTANCE))
                            }
                            Frame::Module(_) => Err("a core module, not a component".into()),
                        };
                    }
                };
                match done {
                    Frame::Module(counts) => {
                        costliest_module = costliest_module.max(counts.bytes());
                        parent.modules.push(counts.bytes());
                    }
                    Frame::Component(scope) => {
                        let cost = scope.total.saturating_add(COMPONENT_INSTANCE);
                        costliest_component = costliest_component.max(cost);
                        parent.components.push(cost);
                    }
                }
            }
            Payload::ImportSection(reader) => {
                let counts = module(&mut stack)?;
                for import in reader.into_imports() {
                    match import.map_err(|e| e.to_string())?.ty {
                        TypeRef::Func(_) | TypeRef::FuncExact(_) => {
                            counts.functions += 1;
                            counts.imported_functions += 1;
                        }
                        TypeRef::Table(_)
                        | TypeRef::Memory(_)
                        | TypeRef::Global(_)
                        | TypeRef::Tag(_) => counts.items += 1,
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                module(&mut stack)?.functions += u64::from(reader.count());
            }
            Payload::TableSection(reader) => module(&mut stack)?.items += u64::from(reader.count()),
            Payload::MemorySection(reader) => {
                module(&mut stack)?.items += u64::from(reader.count());
            }
            Payload::GlobalSection(reader) => {
                module(&mut stack)?.items += u64::from(reader.count());
            }
            Payload::TagSection(reader) => module(&mut stack)?.items += u64::from(reader.count()),
            Payload::InstanceSection(reader) => {
                let scope = component(&mut stack)?;
                for instance in reader {
                    if let Instance::Instantiate { module_index, .. } =
                        instance.map_err(|e| e.to_string())?
                    {
                        let cost = index(&scope.modules, module_index)?;
                        scope.total = scope.total.saturating_add(cost);
                    }
                }
            }
            Payload::ComponentInstanceSection(reader) => {
                let scope = component(&mut stack)?;
                for instance in reader {
                    if let ComponentInstance::Instantiate {
                        component_index, ..
                    } = instance.map_err(|e| e.to_string())?
                    {
                        let cost = index(&scope.components, component_index)?;
                        scope.total = scope.total.saturating_add(cost);
                    }
                }
            }
            Payload::ComponentAliasSection(reader) => {
                for alias in reader {
                    let alias = alias.map_err(|e| e.to_string())?;
                    let (modules, count, at) = match alias {
                        ComponentAlias::InstanceExport { kind, .. } => {
                            let scope = component(&mut stack)?;
                            match kind {
                                ComponentExternalKind::Module => {
                                    scope.modules.push(costliest_module)
                                }
                                ComponentExternalKind::Component => {
                                    scope.components.push(costliest_component)
                                }
                                _ => {}
                            }
                            continue;
                        }
                        ComponentAlias::CoreInstanceExport { .. } => continue,
                        ComponentAlias::Outer { kind, count, index } => match kind {
                            ComponentOuterAliasKind::CoreModule => (true, count, index),
                            ComponentOuterAliasKind::Component => (false, count, index),
                            _ => continue,
                        },
                    };
                    let outer = outer(&stack, count)?;
                    let cost = if modules {
                        self::index(&outer.modules, at)?
                    } else {
                        self::index(&outer.components, at)?
                    };
                    let scope = component(&mut stack)?;
                    if modules {
                        scope.modules.push(cost);
                    } else {
                        scope.components.push(cost);
                    }
                }
            }
            Payload::ComponentImportSection(reader) => {
                let scope = component(&mut stack)?;
                for import in reader {
                    // The host provides no modules or components: such a charm never links.
                    match import.map_err(|e| e.to_string())?.ty {
                        ComponentTypeRef::Module(_) => scope.modules.push(0),
                        ComponentTypeRef::Component(_) => scope.components.push(0),
                        _ => {}
                    }
                }
            }
            Payload::ComponentExportSection(reader) => {
                let scope = component(&mut stack)?;
                for export in reader {
                    let export = export.map_err(|e| e.to_string())?;
                    match export.kind {
                        ComponentExternalKind::Module => {
                            let cost = index(&scope.modules, export.index)?;
                            scope.modules.push(cost);
                        }
                        ComponentExternalKind::Component => {
                            let cost = index(&scope.components, export.index)?;
                            scope.components.push(cost);
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    Err("the component ends early".into())
}

fn module(stack: &mut [Frame]) -> Result<&mut ModuleCounts, String> {
    match stack.last_mut() {
        Some(Frame::Module(counts)) => Ok(counts),
        _ => Err("a module section outside a module".into()),
    }
}

fn component(stack: &mut [Frame]) -> Result<&mut Scope, String> {
    match stack.last_mut() {
        Some(Frame::Component(scope)) => Ok(scope),
        _ => Err("a component section outside a component".into()),
    }
}

/// The component `count` levels out from the innermost one.
fn outer(stack: &[Frame], count: u32) -> Result<&Scope, String> {
    let components = stack.iter().rev().filter_map(|frame| match frame {
        Frame::Component(scope) => Some(scope),
        Frame::Module(_) => None,
    });
    components
        .into_iter()
        .nth(count as usize)
        .ok_or_else(|| format!("an alias {count} components out"))
}

fn index(costs: &[u64], at: u32) -> Result<u64, String> {
    costs
        .get(at as usize)
        .copied()
        .ok_or_else(|| format!("index {at} out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(wat: &str) -> u64 {
        instance_metadata(&wat::parse_str(wat).unwrap()).unwrap()
    }

    #[test]
    fn every_instantiation_of_a_module_is_charged() {
        let globals = "(global (mut i32) (i32.const 0))".repeat(1000);
        let once = estimate(&format!(
            "(component (core module $m {globals}) (core instance (instantiate $m)))"
        ));
        let thrice = estimate(&format!(
            "(component (core module $m {globals}) {})",
            "(core instance (instantiate $m))".repeat(3)
        ));
        assert!(once >= 1000 * 16, "{once}");
        assert_eq!(thrice - COMPONENT_INSTANCE, 3 * (once - COMPONENT_INSTANCE));
    }

    #[test]
    fn a_module_never_instantiated_costs_nothing() {
        let globals = "(global (mut i32) (i32.const 0))".repeat(1000);
        assert_eq!(
            estimate(&format!("(component (core module $m {globals}))")),
            COMPONENT_INSTANCE
        );
    }

    #[test]
    fn instances_of_a_nested_component_multiply_its_cost() {
        let inner =
            "(component $c (core module $m (func) (func)) (core instance (instantiate $m)))";
        let one = estimate(&format!("(component {inner} (instance (instantiate $c)))"));
        let four = estimate(&format!(
            "(component {inner} {})",
            "(instance (instantiate $c))".repeat(4)
        ));
        assert_eq!(four - COMPONENT_INSTANCE, 4 * (one - COMPONENT_INSTANCE));
    }

    #[test]
    fn a_module_reached_through_an_outer_alias_is_charged_as_itself() {
        let direct = estimate(
            "(component (core module $m (func) (func) (func)) (core instance (instantiate $m)))",
        );
        let aliased = estimate(
            "(component (core module $m (func) (func) (func))
                (component $c (alias outer 1 $m (core module $n)) (core instance (instantiate $n)))
                (instance (instantiate $c)))",
        );
        assert_eq!(aliased, direct + COMPONENT_INSTANCE);
    }

    #[test]
    fn a_core_module_or_garbage_is_not_estimated() {
        assert!(instance_metadata(&wat::parse_str("(module)").unwrap()).is_err());
        assert!(instance_metadata(b"\0asm\x0d\0\x01\0garbage").is_err());
    }
}
