//! The JSON form of a [`Value`], both ways.
//!
//! Plain data stays plain: `None` is `null`, bools, ints that fit in i64 and
//! finite floats are numbers, str is a string, list an array, and a dict
//! whose keys are all strings (none starting with `$`) an object. Everything
//! JSON cannot say is a one-key object whose key starts with `$`:
//!
//! | Python | JSON |
//! |---|---|
//! | big int | `{"$int": "123456789012345678901234567890"}` |
//! | nan, inf, -inf | `{"$float": "nan"}` |
//! | tuple / set / frozenset | `{"$tuple": [...]}`, `{"$set": [...]}`, `{"$frozenset": [...]}` |
//! | bytes / bytearray | `{"$bytes": "hex"}`, `{"$bytearray": "hex"}` |
//! | complex | `{"$complex": [re, im]}` |
//! | dict with other keys | `{"$dict": [[key, value], ...]}` |
//! | str with lone surrogates | `{"$surrogates": "hex of its surrogatepass UTF-8"}` |
//! | global (class, function) | `{"$global": ["module", "name"]}` |
//! | object | `{"$object": {"kind": "reduce"/"newobj"/"newobj_ex"/"inst", "callable": ..., "args": [...], "kwargs": {...} or null, "state": [...], "list_items": [...], "dict_items": [[k, v], ...]}}` |
//! | out-of-band buffer | `{"$buffer": [index, readonly]}` |
//! | persistent id | `{"$persid": value}` |
//! | shared object | first occurrence `{"$shared": n, "value": ...}`, later ones `{"$ref": n}` |

use std::collections::HashMap;

use serde_json::{json, Map, Number, Value as Json};
use serde_pickle::value::{Dict, Global, Object, ObjectKind, Shared};
use serde_pickle::Value;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Result<Vec<u8>, String> {
    if s.len() % 2 != 0 {
        return Err(format!("odd-length hex string {s:?}"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|_| format!("bad hex {s:?}")))
        .collect()
}

/// Value → JSON.
#[derive(Default)]
pub struct ToJson {
    ids: HashMap<usize, u64>,
}

impl ToJson {
    pub fn convert(&mut self, v: &Value) -> Json {
        match v {
            Value::None => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::from(*i),
            Value::BigInt(b) => json!({"$int": b.to_string()}),
            Value::Float(f) => match Number::from_f64(*f) {
                Some(n) => Json::Number(n),
                None => json!({"$float": if f.is_nan() { "nan" } else if *f > 0.0 { "inf" } else { "-inf" }}),
            },
            Value::Complex(re, im) => json!({"$complex": [self.convert(&Value::Float(*re)), self.convert(&Value::Float(*im))]}),
            Value::Str(s) => Json::String(s.clone()),
            Value::SurrogateStr(b) => json!({"$surrogates": hex(b)}),
            Value::Bytes(b) => json!({"$bytes": hex(b)}),
            Value::ByteArray(b) => json!({"$bytearray": hex(b)}),
            Value::List(items) => Json::Array(self.all(items)),
            Value::Tuple(items) => json!({"$tuple": self.all(items)}),
            Value::Set(items) => json!({"$set": self.all(items)}),
            Value::FrozenSet(items) => json!({"$frozenset": self.all(items)}),
            Value::Dict(d) => self.dict(d),
            Value::Global(g) => json!({"$global": [g.module, g.name]}),
            Value::Object(o) => self.object(o),
            Value::Buffer { index, readonly } => json!({"$buffer": [index, readonly]}),
            Value::PersistentId(p) => json!({"$persid": self.convert(p)}),
            Value::Shared(s) => {
                if let Some(&n) = self.ids.get(&s.id()) {
                    return json!({"$ref": n});
                }
                let n = self.ids.len() as u64;
                self.ids.insert(s.id(), n);
                json!({"$shared": n, "value": self.convert(s.get())})
            }
            other => json!({"$unknown": other.to_string()}),
        }
    }

    fn all(&mut self, items: &[Value]) -> Vec<Json> {
        items.iter().map(|v| self.convert(v)).collect()
    }

    fn pairs<'a>(&mut self, pairs: impl Iterator<Item = &'a (Value, Value)>) -> Json {
        Json::Array(pairs.map(|(k, v)| Json::Array(vec![self.convert(k), self.convert(v)])).collect())
    }

    fn dict(&mut self, d: &Dict) -> Json {
        let plain = d.iter().all(|(k, _)| matches!(k, Value::Str(s) if !s.starts_with('$')));
        if !plain {
            return json!({"$dict": self.pairs(d.iter())});
        }
        let mut m = Map::new();
        for (k, v) in d.iter() {
            if let Value::Str(s) = k {
                let v = self.convert(v);
                m.insert(s.clone(), v);
            }
        }
        Json::Object(m)
    }

    fn object(&mut self, o: &Object) -> Json {
        let kind = match o.kind {
            ObjectKind::Reduce => "reduce",
            ObjectKind::NewObj => "newobj",
            ObjectKind::NewObjEx => "newobj_ex",
            ObjectKind::Inst => "inst",
        };
        let kwargs = match &o.kwargs {
            Some(d) => self.dict(d),
            None => Json::Null,
        };
        json!({"$object": {
            "kind": kind,
            "callable": self.convert(&o.callable),
            "args": self.all(&o.args),
            "kwargs": kwargs,
            "state": self.all(&o.state),
            "list_items": self.all(&o.list_items),
            "dict_items": self.pairs(o.dict_items.iter()),
        }})
    }
}

/// JSON → Value (the inverse of [`ToJson`]).
#[derive(Default)]
pub struct FromJson {
    shared: HashMap<u64, Shared>,
}

type R<T> = Result<T, String>;

impl FromJson {
    pub fn convert(&mut self, j: &Json) -> R<Value> {
        Ok(match j {
            Json::Null => Value::None,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Value::Int(i)
                } else if let Some(u) = n.as_u64() {
                    Value::from(u)
                } else {
                    Value::Float(n.as_f64().ok_or("bad number")?)
                }
            }
            Json::String(s) => Value::Str(s.clone()),
            Json::Array(items) => Value::List(self.all(items)?),
            Json::Object(m) => match m.iter().next() {
                Some((k, v)) if k.starts_with('$') => self.tagged(k, v, m)?,
                _ => {
                    let mut d = Dict::new();
                    for (k, v) in m {
                        d.insert(Value::Str(k.clone()), self.convert(v)?);
                    }
                    Value::Dict(d)
                }
            },
        })
    }

    fn all(&mut self, items: &[Json]) -> R<Vec<Value>> {
        items.iter().map(|v| self.convert(v)).collect()
    }


    fn pairs(&mut self, v: &Json, what: &str) -> R<Vec<(Value, Value)>> {
        let mut out = Vec::new();
        for p in array(v, what)? {
            match p.as_array().map(|a| a.as_slice()) {
                Some([k, v]) => out.push((self.convert(k)?, self.convert(v)?)),
                _ => return Err(format!("{what} items must be [key, value] pairs")),
            }
        }
        Ok(out)
    }

    fn text<'a>(v: &'a Json, what: &str) -> R<&'a str> {
        v.as_str().ok_or_else(|| format!("{what} needs a string"))
    }

    fn tagged(&mut self, tag: &str, v: &Json, m: &Map<String, Json>) -> R<Value> {
        Ok(match tag {
            "$int" => {
                let s = Self::text(v, tag)?;
                Value::BigInt(s.parse().map_err(|_| format!("bad $int {s:?}"))?)
            }
            "$float" => Value::Float(match Self::text(v, tag)? {
                "nan" => f64::NAN,
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                other => return Err(format!("bad $float {other:?}")),
            }),
            "$tuple" => Value::Tuple(self.all(array(v, tag)?)?),
            "$set" => Value::Set(self.all(array(v, tag)?)?),
            "$frozenset" => Value::FrozenSet(self.all(array(v, tag)?)?),
            "$bytes" => Value::Bytes(unhex(Self::text(v, tag)?)?),
            "$bytearray" => Value::ByteArray(unhex(Self::text(v, tag)?)?),
            "$surrogates" => Value::SurrogateStr(unhex(Self::text(v, tag)?)?),
            "$complex" => match self.all(array(v, tag)?)?.as_slice() {
                [re, im] => Value::Complex(float(re)?, float(im)?),
                _ => return Err("$complex needs [re, im]".into()),
            },
            "$dict" => {
                let mut d = Dict::new();
                for (k, v) in self.pairs(v, tag)? {
                    d.insert(k, v);
                }
                Value::Dict(d)
            }
            "$global" => match array(v, tag)?.as_slice() {
                [Json::String(m), Json::String(n)] => Value::Global(Global::new(m.clone(), n.clone())),
                _ => return Err("$global needs [module, name]".into()),
            },
            "$object" => self.object(v)?,
            "$buffer" => match array(v, tag)?.as_slice() {
                [i, r] => Value::Buffer {
                    index: i.as_u64().ok_or("$buffer index")? as usize,
                    readonly: r.as_bool().ok_or("$buffer readonly")?,
                },
                _ => return Err("$buffer needs [index, readonly]".into()),
            },
            "$persid" => Value::PersistentId(Box::new(self.convert(v)?)),
            "$shared" => {
                let n = v.as_u64().ok_or("$shared needs a number")?;
                let inner = m.get("value").ok_or("$shared needs a value")?;
                let node = Shared::empty();
                self.shared.insert(n, node.clone());
                let value = self.convert(inner)?;
                let _ = node.set(value);
                Value::Shared(node)
            }
            "$ref" => {
                let n = v.as_u64().ok_or("$ref needs a number")?;
                Value::Shared(self.shared.get(&n).cloned().ok_or_else(|| format!("$ref {n} before its $shared"))?)
            }
            other => return Err(format!("unknown tag {other}")),
        })
    }

    fn object(&mut self, v: &Json) -> R<Value> {
        let o = v.as_object().ok_or("$object needs an object")?;
        let get = |k: &str| o.get(k).cloned().unwrap_or(Json::Null);
        let kind = match get("kind").as_str() {
            Some("reduce") => ObjectKind::Reduce,
            Some("newobj") => ObjectKind::NewObj,
            Some("newobj_ex") => ObjectKind::NewObjEx,
            Some("inst") => ObjectKind::Inst,
            _ => return Err("$object kind must be reduce, newobj, newobj_ex or inst".into()),
        };
        let callable = self.convert(&get("callable"))?;
        let args = match get("args") {
            Json::Null => Vec::new(),
            a => self.all(array(&a, "args")?)?,
        };
        let mut obj = Object::new(kind, callable, args);
        obj.kwargs = self.convert(&get("kwargs"))?.into_dict().ok();
        if let Json::Array(s) = get("state") {
            obj.state = self.all(&s)?;
        }
        if let Json::Array(s) = get("list_items") {
            obj.list_items = self.all(&s)?;
        }
        if let j @ Json::Array(_) = get("dict_items") {
            obj.dict_items = self.pairs(&j, "dict_items")?;
        }
        Ok(Value::Object(Box::new(obj)))
    }
}

fn float(v: &Value) -> R<f64> {
    match v {
        Value::Float(f) => Ok(*f),
        Value::Int(i) => Ok(*i as f64),
        _ => Err("expected a number".into()),
    }
}

fn array<'a>(v: &'a Json, what: &str) -> R<&'a Vec<Json>> {
    v.as_array().ok_or_else(|| format!("{what} needs an array"))
}
