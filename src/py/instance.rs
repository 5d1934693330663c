//! Writing a Rust value as an instance of a Python class (re-exported from
//! [`crate::py`]): [`Instance`], the [`PyClass`] trait, and the
//! `serialize_with` helpers [`instance`] and [`instances`].
//!
//! The pickle is what CPython writes for an instance of a class that keeps
//! its attributes in `__dict__` (a dataclass, a plain class): the class, no
//! arguments, `NEWOBJ`, then the state dict and `BUILD`; below protocol 2,
//! `copyreg._reconstructor(cls, object, None)` instead of `NEWOBJ`. It goes
//! through the same path as a [`crate::value::Object`], so it is memoized,
//! framed and written exactly as the rest of the pickle.

use serde::ser::{self, Impossible, Serialize, SerializeMap, SerializeStruct, Serializer};

use crate::shape_marker::{self, Hint};
use crate::value::ObjectKind;

/// A value written as an instance of the Python class `module.name`, with
/// the value as the instance's state: a struct (or map) becomes its
/// `__dict__`, field by field.
///
/// Python loads it without calling `__init__` (as it loads any pickled
/// instance), so the class only has to exist under that name; a `dataclass`
/// whose fields are the struct's fields is the usual match. Through any
/// other serde format an `Instance` is just its state.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use serde_pickle::py::Instance;
///
/// #[derive(Serialize, Deserialize, Debug, PartialEq)]
/// struct Point {
///     x: i32,
///     y: i32,
/// }
///
/// let p = Point { x: 1, y: 2 };
/// let bytes = serde_pickle::to_vec(&Instance::new("shapes", "Point", &p)).unwrap();
/// // What CPython writes for the dataclass `shapes.Point(x=1, y=2)`:
/// // pickletools.optimize(pickle.dumps(Point(1, 2), protocol=5))
/// assert_eq!(
///     bytes,
///     b"\x80\x05\x95!\x00\x00\x00\x00\x00\x00\x00\x8c\x06shapes\x8c\x05Point\x93)\x81}(\x8c\x01xK\x01\x8c\x01yK\x02ub."
/// );
/// // Reading the instance back reads its state.
/// let back: Point = serde_pickle::from_slice(&bytes).unwrap();
/// assert_eq!(back, p);
/// // Other formats see the state only.
/// let json = serde_json::to_string(&Instance::new("shapes", "Point", &p)).unwrap();
/// assert_eq!(json, r#"{"x":1,"y":2}"#);
/// ```
#[derive(Debug)]
pub struct Instance<'a, T: ?Sized> {
    module: &'a str,
    name: &'a str,
    state: &'a T,
}

// Not derived: `T` itself need not be `Clone`.
impl<T: ?Sized> Clone for Instance<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for Instance<'_, T> {}

impl<'a, T: ?Sized> Instance<'a, T> {
    /// `state` as an instance of `module.name` (`name` may be dotted, for a
    /// nested class: `"Outer.Inner"`).
    pub fn new(module: &'a str, name: &'a str, state: &'a T) -> Self {
        Instance { module, name, state }
    }

    /// The class's module.
    pub fn module(&self) -> &'a str {
        self.module
    }

    /// The class's (qualified) name.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The state.
    pub fn state(&self) -> &'a T {
        self.state
    }
}

impl<'a, T: ?Sized + PyClass> Instance<'a, T> {
    /// `value` as an instance of its [`PyClass`].
    ///
    /// ```
    /// use serde::Serialize;
    /// use serde_pickle::py::{Instance, PyClass};
    ///
    /// #[derive(Serialize)]
    /// struct Point { x: i32, y: i32 }
    ///
    /// impl PyClass for Point {
    ///     const MODULE: &'static str = "shapes";
    ///     const NAME: &'static str = "Point";
    /// }
    ///
    /// let p = Point { x: 1, y: 2 };
    /// assert_eq!(
    ///     serde_pickle::to_vec(&Instance::of(&p)).unwrap(),
    ///     serde_pickle::to_vec(&Instance::new("shapes", "Point", &p)).unwrap()
    /// );
    /// ```
    pub fn of(value: &'a T) -> Self {
        Instance::new(T::MODULE, T::NAME, value)
    }
}

/// A Rust type that stands for a Python class: [`Instance::of`],
/// [`instance`] and [`instances`] write it as an instance of that class.
pub trait PyClass {
    /// The module that defines the class, e.g. `"shapes"`.
    const MODULE: &'static str;
    /// The class's qualified name, e.g. `"Point"` or `"Outer.Inner"`.
    const NAME: &'static str;
}

/// For `#[serde(serialize_with = "serde_pickle::py::instance")]`: write a
/// field of a [`PyClass`] type as an instance of its class.
///
/// ```
/// use serde::Serialize;
/// use serde_pickle::py::PyClass;
///
/// #[derive(Serialize)]
/// struct Point { x: i32, y: i32 }
///
/// impl PyClass for Point {
///     const MODULE: &'static str = "shapes";
///     const NAME: &'static str = "Point";
/// }
///
/// #[derive(Serialize)]
/// struct Segment {
///     #[serde(serialize_with = "serde_pickle::py::instance")]
///     start: Point,
///     #[serde(serialize_with = "serde_pickle::py::instances")]
///     rest: Vec<Point>,
/// }
///
/// let s = Segment { start: Point { x: 0, y: 0 }, rest: vec![Point { x: 1, y: 1 }] };
/// let v: serde_pickle::Value = serde_pickle::from_slice(&serde_pickle::to_vec(&s).unwrap()).unwrap();
/// // Display is Python's repr(), objects shown as the calls that build them.
/// assert_eq!(
///     v.to_string(),
///     "{'start': shapes.Point().__setstate__({'x': 0, 'y': 0}), \
///      'rest': [shapes.Point().__setstate__({'x': 1, 'y': 1})]}"
/// );
/// ```
pub fn instance<T, S>(value: &T, serializer: S) -> Result<S::Ok, S::Error>
where
    T: ?Sized + PyClass + Serialize,
    S: Serializer,
{
    Instance::of(value).serialize(serializer)
}

/// For `#[serde(serialize_with = "serde_pickle::py::instances")]`: write a
/// collection of a [`PyClass`] type (a `Vec`, a slice...) as a list of
/// instances of its class (see [`instance`]).
pub fn instances<'a, C, T, S>(items: &'a C, serializer: S) -> Result<S::Ok, S::Error>
where
    C: ?Sized,
    &'a C: IntoIterator<Item = &'a T>,
    T: 'a + PyClass + Serialize,
    S: Serializer,
{
    serializer.collect_seq(items.into_iter().map(Instance::of))
}

impl<T: ?Sized + Serialize> Serialize for Instance<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.module.is_empty() || self.name.is_empty() {
            return Err(ser::Error::custom(format!(
                "a Python class needs a module and a name, not {:?}.{:?}",
                self.module, self.name
            )));
        }
        // The object magic of `Value::Object` (see `src/ser/object.rs`): a
        // plain instance without arguments. This crate's serializer takes the hint.
        shape_marker::set_hint(Hint::Object(ObjectKind::Plain, 0));
        s.serialize_newtype_struct(shape_marker::OBJECT, &Parts(*self))
    }
}

/// The object's parts in the order the object writer takes them.
struct Parts<'a, T: ?Sized>(Instance<'a, T>);

impl<T: ?Sized + Serialize> Serialize for Parts<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if shape_marker::take_hint() == Hint::Object(ObjectKind::Plain, 0) {
            // Nobody took the hint: another format. It sees the state only.
            return self.0.state.serialize(s);
        }
        let i = self.0;
        let mut st = s.serialize_struct("Object", 7)?;
        st.serialize_field("kind", "newobj")?;
        st.serialize_field("callable", &Class(i.module, i.name))?;
        st.serialize_field("args", &NoArgs)?;
        st.serialize_field("kwargs", &NoItems)?;
        st.serialize_field("list_items", &[0u8; 0][..])?;
        st.serialize_field("dict_items", &NoItems)?;
        // CPython writes no BUILD for an empty state (no attributes).
        let states: &[&T] = if is_empty_state(i.state) { &[] } else { &[i.state] };
        st.serialize_field("state", states)?;
        st.end()
    }
}

/// The class, as a global.
struct Class<'a>(&'a str, &'a str);

impl Serialize for Class<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(shape_marker::GLOBAL, &(self.0, self.1))
    }
}

/// `()`, the empty argument tuple (not `None`, as a unit would be).
struct NoArgs;

impl Serialize for NoArgs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ser::SerializeTuple::end(s.serialize_tuple(0)?)
    }
}

/// No keyword arguments, no set items.
struct NoItems;

impl Serialize for NoItems {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_map(Some(0))?.end()
    }
}

/// Whether `state` serializes to nothing a `BUILD` would apply: `None`
/// (a unit, a unit struct, `Option::None`) or a map or struct without
/// entries.
fn is_empty_state<T: ?Sized + Serialize>(state: &T) -> bool {
    state.serialize(Probe).unwrap_or(false)
}

/// The answer "there is something": stops the probe at the first entry.
#[derive(Debug)]
struct Something;

impl std::fmt::Display for Something {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not empty")
    }
}

impl std::error::Error for Something {}

impl ser::Error for Something {
    fn custom<M: std::fmt::Display>(_: M) -> Self {
        Something
    }
}

/// A serializer that answers whether a value is an empty state.
struct Probe;

macro_rules! not_empty {
    ($($method:ident($($arg:ty),*);)*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<bool, Something> {
            Ok(false)
        }
    )*};
}

impl Serializer for Probe {
    type Ok = bool;
    type Error = Something;
    type SerializeSeq = Impossible<bool, Something>;
    type SerializeTuple = Impossible<bool, Something>;
    type SerializeTupleStruct = Impossible<bool, Something>;
    type SerializeTupleVariant = Impossible<bool, Something>;
    type SerializeMap = Probe;
    type SerializeStruct = Probe;
    type SerializeStructVariant = Impossible<bool, Something>;

    not_empty! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_i128(i128);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_u128(u128);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_str(&str);
        serialize_bytes(&[u8]);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_none(self) -> Result<bool, Something> {
        Ok(true)
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<bool, Something> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<bool, Something> {
        Ok(true)
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<bool, Something> {
        Ok(true)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<bool, Something> {
        // A shared node's content is looked through; other magic values
        // (sets, objects...) are something.
        match shape_marker::magic(name) {
            None | Some(shape_marker::Magic::Shared) => value.serialize(self),
            Some(_) => Ok(false),
        }
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<bool, Something> {
        Ok(false)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Something> {
        Err(Something)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Something> {
        Err(Something)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Something> {
        Err(Something)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Something> {
        Err(Something)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Probe, Something> {
        Ok(Probe)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Probe, Something> {
        Ok(Probe)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Something> {
        Err(Something)
    }
}

impl SerializeMap for Probe {
    type Ok = bool;
    type Error = Something;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, _: &T) -> Result<(), Something> {
        Err(Something)
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, _: &T) -> Result<(), Something> {
        Err(Something)
    }

    fn end(self) -> Result<bool, Something> {
        Ok(true)
    }
}

impl SerializeStruct for Probe {
    type Ok = bool;
    type Error = Something;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        _: &'static str,
        _: &T,
    ) -> Result<(), Something> {
        Err(Something)
    }

    fn end(self) -> Result<bool, Something> {
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    struct Unit;

    #[derive(Serialize)]
    struct NoFields {}

    #[derive(Serialize)]
    struct Skipped {
        #[serde(skip_serializing_if = "Option::is_none")]
        a: Option<u8>,
    }

    #[test]
    fn empty_states_are_none_and_empty_maps() {
        assert!(is_empty_state(&()));
        assert!(is_empty_state(&Unit));
        assert!(is_empty_state(&NoFields {}));
        assert!(is_empty_state(&Skipped { a: None }));
        assert!(is_empty_state(&None::<u8>));
        assert!(is_empty_state(&BTreeMap::<u8, u8>::new()));
        assert!(is_empty_state(&crate::Value::Dict(Default::default())));
    }

    #[test]
    fn other_states_are_not_empty() {
        assert!(!is_empty_state(&Skipped { a: Some(1) }));
        assert!(!is_empty_state(&BTreeMap::from([(1, 2)])));
        assert!(!is_empty_state(&0));
        assert!(!is_empty_state(&""));
        assert!(!is_empty_state(&Vec::<u8>::new()));
        assert!(!is_empty_state(&(1, 2)));
        assert!(!is_empty_state(&crate::py::Set(Vec::<u8>::new())));
    }

    #[test]
    fn an_empty_state_writes_no_build() {
        // pickletools.optimize(pickle.dumps(Empty(), 2)) for a dataclass without fields
        let bytes = crate::to_vec_with(
            &Instance::new("m", "Empty", &NoFields {}),
            &crate::SerOptions::new().protocol(2),
        )
        .unwrap();
        assert_eq!(bytes, b"\x80\x02cm\nEmpty\n)\x81.");
    }

    #[test]
    fn a_class_needs_a_module_and_a_name() {
        assert!(crate::to_vec(&Instance::new("", "P", &NoFields {})).is_err());
        assert!(crate::to_vec(&Instance::new("m", "", &NoFields {})).is_err());
    }
}
