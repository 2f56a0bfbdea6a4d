//! Breaking changes between two versions of the schema: what would break a client written
//! against the old one. CI compares `schema.graphql` with the previous committed version
//! (`scripts/graphql-breaking.sh`, through `portal graphql-breaking`), and fails on a change
//! not accepted in `schema.breaking` (one reported line each: breaking on purpose, announced).
//!
//! Breaking: a type removed or turned into another kind; a field, argument, input field, enum
//! value or union member removed; a field's type changed (but for becoming non-null); an
//! argument's or input field's type changed (but for becoming nullable); a new required
//! argument or input field (non-null, no default). Additions are not breaking.

use async_graphql::parser::types::{
    FieldDefinition, InputValueDefinition, ServiceDocument, TypeDefinition, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::parser::{Positioned, parse_schema};
use std::collections::BTreeMap;

fn types(document: &ServiceDocument) -> BTreeMap<String, &TypeDefinition> {
    document
        .definitions
        .iter()
        .filter_map(|d| match d {
            TypeSystemDefinition::Type(t) => Some((t.node.name.node.to_string(), &t.node)),
            _ => None,
        })
        .collect()
}

fn kind(t: &TypeKind) -> &'static str {
    match t {
        TypeKind::Scalar => "scalar",
        TypeKind::Object(_) => "type",
        TypeKind::Interface(_) => "interface",
        TypeKind::Union(_) => "union",
        TypeKind::Enum(_) => "enum",
        TypeKind::InputObject(_) => "input",
    }
}

fn fields(t: &TypeKind) -> Option<&Vec<Positioned<FieldDefinition>>> {
    match t {
        TypeKind::Object(o) => Some(&o.fields),
        TypeKind::Interface(i) => Some(&i.fields),
        _ => None,
    }
}

fn by_name<T>(items: &[Positioned<T>], name: impl Fn(&T) -> String) -> BTreeMap<String, &T> {
    items.iter().map(|i| (name(&i.node), &i.node)).collect()
}

/// Inputs (arguments, input fields) of `owner`: removed, retyped, or newly required.
fn inputs(
    owner: &str,
    old: &[Positioned<InputValueDefinition>],
    new: &[Positioned<InputValueDefinition>],
    changes: &mut Vec<String>,
) {
    let old = by_name(old, |i| i.name.node.to_string());
    let new = by_name(new, |i| i.name.node.to_string());
    for (name, before) in &old {
        match new.get(name) {
            None => changes.push(format!("{owner}: input {name} removed")),
            Some(after) => {
                let (b, a) = (before.ty.node.to_string(), after.ty.node.to_string());
                // An input may become optional, never required or another type.
                if b != a && b != format!("{a}!") {
                    changes.push(format!("{owner}: input {name} changed from {b} to {a}"));
                }
            }
        }
    }
    for (name, after) in &new {
        if !old.contains_key(name) && !after.ty.node.nullable && after.default_value.is_none() {
            changes.push(format!("{owner}: new required input {name}"));
        }
    }
}

/// The breaking changes from `old` to `new` (both SDL), one line each.
pub fn breaking_changes(old: &str, new: &str) -> Result<Vec<String>, String> {
    let old = parse_schema(old).map_err(|e| format!("the old schema: {e}"))?;
    let new = parse_schema(new).map_err(|e| format!("the new schema: {e}"))?;
    let (old, new) = (types(&old), types(&new));
    let mut changes = Vec::new();
    for (name, before) in &old {
        let Some(after) = new.get(name) else {
            changes.push(format!("{} {name} removed", kind(&before.kind)));
            continue;
        };
        if kind(&before.kind) != kind(&after.kind) {
            changes.push(format!(
                "{name} changed from {} to {}",
                kind(&before.kind),
                kind(&after.kind)
            ));
            continue;
        }
        if let (Some(b), Some(a)) = (fields(&before.kind), fields(&after.kind)) {
            let a = by_name(a, |f| f.name.node.to_string());
            for field in b {
                let field = &field.node;
                let field_name = field.name.node.to_string();
                let owner = format!("{name}.{field_name}");
                let Some(now) = a.get(&field_name) else {
                    changes.push(format!("{owner} removed"));
                    continue;
                };
                let (was, is) = (field.ty.node.to_string(), now.ty.node.to_string());
                // An output may become non-null, never nullable or another type.
                if was != is && is != format!("{was}!") {
                    changes.push(format!("{owner} changed from {was} to {is}"));
                }
                inputs(&owner, &field.arguments, &now.arguments, &mut changes);
            }
        }
        match (&before.kind, &after.kind) {
            (TypeKind::Enum(b), TypeKind::Enum(a)) => {
                let a = by_name(&a.values, |v| v.value.node.to_string());
                for value in &b.values {
                    let value = value.node.value.node.to_string();
                    if !a.contains_key(&value) {
                        changes.push(format!("{name}.{value} removed"));
                    }
                }
            }
            (TypeKind::InputObject(b), TypeKind::InputObject(a)) => {
                inputs(name, &b.fields, &a.fields, &mut changes);
            }
            (TypeKind::Union(b), TypeKind::Union(a)) => {
                for member in &b.members {
                    if !a.members.iter().any(|m| m.node == member.node) {
                        changes.push(format!("{name}: member {} removed", member.node));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = r#"
        type Query { order(id: ID!): Order  orders(first: Int): [Order!]! }
        type Order { id: ID!  note: String  status: Status! }
        enum Status { OPEN SHIPPED }
        input Filter { status: Status  from: String }
    "#;

    fn changes(new: &str) -> Vec<String> {
        breaking_changes(OLD, new).expect("schemas parse")
    }

    #[test]
    fn additions_and_safer_types_are_not_breaking() {
        let new = r#"
            type Query { order(id: ID!, at: String): Order  orders(first: Int, after: String): [Order!]!  me: String }
            type Order { id: ID!  note: String!  status: Status!  total: Float }
            enum Status { OPEN SHIPPED CANCELLED }
            input Filter { status: Status  from: String  to: String }
            type Cart { id: ID! }
        "#;
        assert_eq!(changes(new), Vec::<String>::new());
    }

    #[test]
    fn removals_retypes_and_new_requirements_are_breaking() {
        let new = r#"
            type Query { order(id: ID!, at: String!): Order  orders(first: String): [Order!]! }
            type Order { id: ID!  status: Status }
            enum Status { OPEN }
            input Filter { status: Status!  from: String  to: String! }
        "#;
        assert_eq!(
            changes(new),
            vec![
                "Filter: input status changed from Status to Status!",
                "Filter: new required input to",
                "Order.note removed",
                "Order.status changed from Status! to Status",
                "Query.order: new required input at",
                "Query.orders: input first changed from Int to String",
                "Status.SHIPPED removed",
            ]
        );
    }

    #[test]
    fn the_schema_is_not_broken_by_itself() {
        let sdl = crate::sdl();
        assert_eq!(breaking_changes(&sdl, &sdl), Ok(Vec::new()));
    }
}
