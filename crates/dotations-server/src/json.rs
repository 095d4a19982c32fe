//! A JSON value that keeps the order of object keys, as written by the client.
//!
//! OpenFisca answers `/calculate` with the request itself, the computed values filled in, and
//! builds its entities in the order the request lists them: the order of the communes decides
//! which commune is "first" (`first(…)`), how ties rank and in which order sums add up. A
//! `serde_json::Value` sorts keys (the workspace does not enable `preserve_order`, which would
//! change every other crate's output), so situations are read into this type instead.

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// A JSON value; objects are key–value pairs in their written order (a repeated key keeps its
/// last value, at its first place, as Python's `json` does).
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// Kept as parsed, so that `3` stays an integer and `3.0` a float when echoed back.
    Number(serde_json::Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The value under `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value under `key`, inserted as `Null` at the end when absent, for filling in.
    pub fn entry(&mut self, key: &str) -> Option<&mut Json> {
        let Json::Object(entries) = self else { return None };
        let index = match entries.iter().position(|(k, _)| k == key) {
            Some(index) => index,
            None => {
                entries.push((key.to_string(), Json::Null));
                entries.len() - 1
            }
        };
        Some(&mut entries[index].1)
    }

    pub fn as_object(&self) -> Option<&[(String, Json)]> {
        match self {
            Json::Object(entries) => Some(entries),
            _ => None,
        }
    }

    /// The type name OpenFisca's messages use (Python's).
    pub fn python_type(&self) -> &'static str {
        match self {
            Json::Null => "NoneType",
            Json::Bool(_) => "bool",
            Json::Number(n) if n.is_f64() => "float",
            Json::Number(_) => "int",
            Json::String(_) => "str",
            Json::Array(_) => "list",
            Json::Object(_) => "dict",
        }
    }

    /// The value as Python would print it in a message (`{}`, `'text'`, `3`, `True`).
    pub fn python_repr(&self) -> String {
        match self {
            Json::Null => "None".into(),
            Json::Bool(true) => "True".into(),
            Json::Bool(false) => "False".into(),
            Json::Number(n) => n.to_string(),
            Json::String(s) => s.clone(),
            Json::Array(items) => {
                format!("[{}]", items.iter().map(Json::python_repr).collect::<Vec<_>>().join(", "))
            }
            Json::Object(entries) => format!(
                "{{{}}}",
                entries.iter().map(|(k, v)| format!("'{k}': {}", v.python_repr())).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

impl From<serde_json::Value> for Json {
    fn from(value: serde_json::Value) -> Json {
        match value {
            serde_json::Value::Null => Json::Null,
            serde_json::Value::Bool(b) => Json::Bool(b),
            serde_json::Value::Number(n) => Json::Number(n),
            serde_json::Value::String(s) => Json::String(s),
            serde_json::Value::Array(items) => Json::Array(items.into_iter().map(Json::from).collect()),
            serde_json::Value::Object(map) => Json::Object(map.into_iter().map(|(k, v)| (k, Json::from(v))).collect()),
        }
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => serializer.serialize_unit(),
            Json::Bool(b) => serializer.serialize_bool(*b),
            Json::Number(n) => n.serialize(serializer),
            Json::String(s) => serializer.serialize_str(s),
            Json::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
        Ok(Json::Number(n.into()))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Json, E> {
        serde_json::Number::from_f64(n).map(Json::Number).ok_or_else(|| E::custom("a number out of range"))
    }

    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::String(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::String(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut entries: Vec<(String, Json)> = Vec::new();
        // Where each key is, to find a repeated key without a search through the others (an
        // object of 100 000 keys would take seconds); built only for objects that need it.
        let mut positions: Option<HashMap<String, usize>> = None;
        while let Some((key, value)) = map.next_entry::<String, Json>()? {
            if entries.len() == SEARCHED_KEYS && positions.is_none() {
                positions = Some(entries.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)).collect());
            }
            let found = match &positions {
                Some(positions) => positions.get(&key).copied(),
                None => entries.iter().position(|(k, _)| *k == key),
            };
            match found {
                Some(index) => entries[index].1 = value,
                None => {
                    if let Some(positions) = &mut positions {
                        positions.insert(key.clone(), entries.len());
                    }
                    entries.push((key, value));
                }
            }
        }
        Ok(Json::Object(entries))
    }
}

/// Objects up to this many keys look a repeated key up by a search; larger ones by an index.
const SEARCHED_KEYS: usize = 32;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_keep_their_order_and_numbers_their_kind() {
        let text = r#"{"z": 1, "a": 2.0, "m": [null, true, "x"], "z": 3}"#;
        let value: Json = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&value).unwrap(), r#"{"z":3,"a":2.0,"m":[null,true,"x"]}"#);
        assert_eq!(value.get("a").unwrap().python_type(), "float");
        assert_eq!(value.get("z").unwrap().python_type(), "int");
    }

    #[test]
    fn a_repeated_key_of_a_large_object_keeps_its_place_and_its_last_value() {
        // Past `SEARCHED_KEYS` keys, repeats are found through an index: the same result.
        let keys: Vec<String> = (0..100).map(|i| format!("\"k{i}\": {i}")).collect();
        let text = format!("{{{}, \"k3\": -3, \"k99\": -99, \"new\": 1}}", keys.join(", "));
        let Json::Object(entries) = serde_json::from_str::<Json>(&text).unwrap() else { panic!("an object") };
        assert_eq!(entries.len(), 101);
        assert_eq!((entries[3].0.as_str(), entries[3].1.python_repr()), ("k3", "-3".to_string()));
        assert_eq!((entries[99].0.as_str(), entries[99].1.python_repr()), ("k99", "-99".to_string()));
        assert_eq!(entries[100].0, "new");
    }

    #[test]
    fn entries_are_added_at_the_end() {
        let mut value: Json = serde_json::from_str(r#"{"b": {}}"#).unwrap();
        *value.entry("a").unwrap() = Json::Bool(true);
        *value.entry("b").unwrap() = Json::Null;
        assert_eq!(serde_json::to_string(&value).unwrap(), r#"{"b":null,"a":true}"#);
    }
}
