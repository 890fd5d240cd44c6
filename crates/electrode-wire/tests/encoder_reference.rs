//! The encoder against a reference written the plain way (escaping byte by byte, every object
//! collected and then sorted), so a faster encoder cannot drift from the rules by a byte.

mod common;

use common::{arb_key, arb_string};
use electrode_wire::{Args, MAX_DEPTH};
use proptest::collection::vec;
use proptest::prelude::*;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

/// A map key in any form serde_json accepts as an object key.
#[derive(Debug, Clone)]
enum Key {
    Str(String),
    Int(i64),
    Big(u128),
    Bool(bool),
    Char(char),
}

impl Key {
    fn text(&self) -> String {
        match self {
            Key::Str(s) => s.clone(),
            Key::Int(i) => i.to_string(),
            Key::Big(i) => i.to_string(),
            Key::Bool(b) => b.to_string(),
            Key::Char(c) => c.to_string(),
        }
    }
}

impl Serialize for Key {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Key::Str(v) => s.serialize_str(v),
            Key::Int(v) => s.serialize_i64(*v),
            Key::Big(v) => s.serialize_u128(*v),
            Key::Bool(v) => s.serialize_bool(*v),
            Key::Char(v) => s.serialize_char(*v),
        }
    }
}

#[derive(Debug, Clone)]
enum Tree {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    Seq(Vec<Tree>),
    /// Entries in the order they are serialized: any order, keys may repeat.
    Map(Vec<(Key, Tree)>),
}

impl Serialize for Tree {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Tree::Null => s.serialize_none(),
            Tree::Bool(b) => s.serialize_bool(*b),
            Tree::Int(i) => s.serialize_i64(*i),
            Tree::Float(f) => s.serialize_f64(*f),
            Tree::Str(v) => s.serialize_str(v),
            Tree::Bytes(b) => s.serialize_bytes(b),
            Tree::Seq(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Tree::Map(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// JSON string escaping as Chromium's writer does it, one byte at a time.
fn reference_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[derive(Default)]
struct Reference {
    attachments: Vec<Vec<u8>>,
    escaped_keys: bool,
}

impl Reference {
    /// The text of `tree` sitting at `depth` (top-level arguments are depth 1).
    fn write(&mut self, tree: &Tree, depth: usize) -> String {
        match tree {
            Tree::Null => "null".into(),
            Tree::Bool(b) => b.to_string(),
            Tree::Int(i) => i.to_string(),
            Tree::Float(f) if f.is_finite() => ryu::Buffer::new().format_finite(*f).to_string(),
            Tree::Float(_) => "0".into(),
            Tree::Str(s) => {
                let mut out = String::new();
                reference_str(&mut out, s);
                out
            }
            Tree::Bytes(b) => {
                self.attachments.push(b.clone());
                format!("{{\"\\u0000bytes\":{}}}", self.attachments.len() - 1)
            }
            Tree::Seq(items) => {
                let items: Vec<String> = items
                    .iter()
                    .map(|item| {
                        if depth + 1 > MAX_DEPTH {
                            "null".into()
                        } else {
                            self.write(item, depth + 1)
                        }
                    })
                    .collect();
                format!("[{}]", items.join(","))
            }
            Tree::Map(entries) => {
                let mut written = Vec::new();
                for (k, v) in entries {
                    let mut key = k.text();
                    if key.starts_with('\0') {
                        key.insert(0, '\0');
                        self.escaped_keys = true;
                    }
                    if depth + 1 > MAX_DEPTH {
                        continue;
                    }
                    let mut text = String::new();
                    reference_str(&mut text, &key);
                    text.push(':');
                    text.push_str(&self.write(v, depth + 1));
                    written.push((key, text));
                }
                // Stable: repeated keys keep their order.
                written.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                let texts: Vec<String> = written.into_iter().map(|(_, t)| t).collect();
                format!("{{{}}}", texts.join(","))
            }
        }
    }
}

fn check(args: &[Tree]) -> Result<(), TestCaseError> {
    let encoded = Args::encode(&electrode_wire::ArgList(args.to_vec())).unwrap();
    let mut reference = Reference::default();
    prop_assert_eq!(encoded.len(), args.len());
    for (i, arg) in args.iter().enumerate() {
        let want = reference.write(arg, 1);
        prop_assert_eq!(
            String::from_utf8_lossy(encoded.json(i).unwrap()),
            want.as_str()
        );
    }
    let attachments: Vec<Vec<u8>> = encoded.attachments().map(|b| b.to_vec()).collect();
    prop_assert_eq!(attachments, reference.attachments.clone());
    prop_assert_eq!(
        encoded.is_plain_json(),
        reference.attachments.is_empty() && !reference.escaped_keys
    );
    Ok(())
}

fn arb_any_key() -> impl Strategy<Value = Key> {
    prop_oneof![
        4 => arb_key().prop_map(Key::Str),
        // A small alphabet, so objects get repeated keys and keys that are prefixes of others.
        3 => prop::sample::select(vec!["", "a", "b", "ab", "a\"", "a\\", "\u{0}", "\u{0}a", "é"])
            .prop_map(|k| Key::Str(k.to_string())),
        1 => any::<i64>().prop_map(Key::Int),
        1 => any::<u128>().prop_map(Key::Big),
        1 => any::<bool>().prop_map(Key::Bool),
        1 => any::<char>().prop_map(Key::Char),
    ]
}

fn arb_tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        Just(Tree::Null),
        any::<bool>().prop_map(Tree::Bool),
        any::<i64>().prop_map(Tree::Int),
        any::<f64>().prop_map(Tree::Float),
        prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY)]
            .prop_map(Tree::Float),
        arb_string().prop_map(Tree::Str),
        "[a-z \"\\\\\n\t\u{1}é]{0,40}".prop_map(Tree::Str),
        vec(any::<u8>(), 0..6).prop_map(Tree::Bytes),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Tree::Seq),
            vec((arb_any_key(), inner), 0..6).prop_map(Tree::Map),
        ]
    })
}

/// `tree` under `levels` containers, each an array or an object, each with a sibling, so the
/// depth limit cuts through sorted and unsorted objects alike.
fn nest(tree: Tree, levels: &[u8]) -> Tree {
    levels.iter().fold(tree, |inner, &kind| match kind % 4 {
        0 => Tree::Seq(vec![Tree::Int(1), inner]),
        1 => Tree::Seq(vec![inner, Tree::Bytes(vec![7])]),
        2 => Tree::Map(vec![
            (Key::Str("z".into()), inner),
            (Key::Str("a".into()), Tree::Null),
        ]),
        _ => Tree::Map(vec![
            (Key::Str("a".into()), Tree::Null),
            (Key::Str("z".into()), inner),
        ]),
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encoder_matches_the_reference(args in vec(arb_tree(), 0..4)) {
        check(&args)?;
    }

    #[test]
    fn encoder_matches_the_reference_at_the_depth_limit(
        tree in arb_tree(),
        levels in vec(any::<u8>(), MAX_DEPTH - 6..MAX_DEPTH + 4),
    ) {
        check(&[nest(tree, &levels)])?;
    }
}

/// Every escape class at every offset and next to every other, across the widths the string
/// scanner reads at once.
#[test]
fn escaping_matches_the_reference_at_every_offset() {
    let special = [
        '\u{0}', '\u{1}', '\u{8}', '\u{c}', '\u{1f}', '"', '\\', '\n', '\r', '\t', ' ', '#', ']',
        '!', '\u{7f}', 'é', '\u{2028}',
    ];
    for filler in ['a', 'é'] {
        for len in 0..36 {
            for pos in 0..len {
                for &a in &special {
                    for &b in &special {
                        let mut chars = vec![filler; len];
                        chars[pos] = a;
                        if pos + 1 < len {
                            chars[pos + 1] = b;
                        }
                        let s: String = chars.into_iter().collect();
                        let mut want = String::new();
                        reference_str(&mut want, &s);
                        let args = Args::encode(&(&s,)).unwrap();
                        assert_eq!(args.json(0).unwrap(), want.as_bytes(), "{s:?}");
                    }
                }
            }
        }
    }
}
