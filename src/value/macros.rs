//! The [`pickle!`](crate::pickle) macro.

/// Build a [`Value`](crate::Value) with Python's literal syntax, like
/// `serde_json::json!`.
///
/// * `[a, b]` is a list, `(a, b)` a tuple (`(a,)` a 1-tuple, `()` the empty
///   tuple, `(a)` just `a`, as in Python), `{k: v}` a dict (`{}` is an empty
///   dict; a later equal key replaces the value, as in Python), `{a, b}` a set;
/// * `None`, `True`, `False` (and Rust's `true`, `false`) as Python spells them;
/// * `null` is `None` too, as in `serde_json::json!`;
/// * anything else is a Rust expression: converted with `Value::from` when
///   its type has that conversion (`"a"` is a str, `b"a"` bytes, `1.5` a
///   float, a `Value` itself...), else with its `Serialize` impl, as
///   [`to_value`](crate::to_value) does (a struct deriving `Serialize` is a
///   dict of its fields); dict keys are written the same way. Like
///   `json!`, the macro panics if `to_value` fails (a map with list keys).
///
/// An element is one token (a literal, a name, a bracketed group) or a Rust
/// expression up to the next top-level comma. A dict key, and the first
/// element of a set, are the tokens up to the first top-level `:` or `,`.
///
/// A list, tuple, set or dict whose elements (and keys) are single tokens
/// (`[1, "a", None, x, (2, 3)]`) can be of any length; otherwise, as with
/// `json!`, each element costs a level of macro recursion, and a literal of
/// more than about 100 such elements needs a higher `#![recursion_limit]`.
///
/// ```
/// use serde_pickle::pickle;
/// let name = "Alice";
/// let v = pickle!({
///     "name": name,
///     "age": 23,
///     "tags": ["a", "b"],
///     "pt": (1, 2),
///     "one": (1,),
///     "none": None,
///     "ok": True,
///     (1, -2): {1.5, b"raw"},
/// });
/// assert_eq!(
///     v.to_string(),
///     "{'name': 'Alice', 'age': 23, 'tags': ['a', 'b'], 'pt': (1, 2), 'one': (1,), \
///      'none': None, 'ok': True, (1, -2): {1.5, b'raw'}}"
/// );
/// assert_eq!(pickle!((1 + 2)).to_string(), "3");
/// assert_eq!(pickle!([]).to_string(), "[]");
///
/// #[derive(serde::Serialize)]
/// struct Person { name: &'static str, age: u8 }
/// let person = Person { name: "Bob", age: 7 };
/// assert_eq!(
///     pickle!({"p": person, "q": null}).to_string(),
///     "{'p': {'name': 'Bob', 'age': 7}, 'q': None}"
/// );
/// ```
#[macro_export]
macro_rules! pickle {
    // ---- Sequences: `@seq KIND [converted elements] tokens...`.
    (@seq list [$($e:expr),*]) => { $crate::Value::List(vec![$($e),*]) };
    (@seq list [$($e:expr,)*]) => { $crate::Value::List(vec![$($e,)*]) };
    (@seq set [$($e:expr),*]) => { $crate::Value::Set(vec![$($e),*]) };
    (@seq set [$($e:expr,)*]) => { $crate::Value::Set(vec![$($e,)*]) };
    (@seq tuple [$e:expr]) => { $e };
    (@seq tuple [$($e:expr),*]) => { $crate::Value::Tuple(vec![$($e),*]) };
    (@seq tuple [$($e:expr,)*]) => { $crate::Value::Tuple(vec![$($e,)*]) };
    // One token (None, a literal, a [..] / (..) / {..} group), then a comma or the end.
    (@seq $kind:ident [$($e:expr,)*] $x:tt , $($rest:tt)*) => {
        $crate::pickle!(@seq $kind [$($e,)* $crate::pickle!($x),] $($rest)*)
    };
    (@seq $kind:ident [$($e:expr,)*] $x:tt) => {
        $crate::pickle!(@seq $kind [$($e,)* $crate::pickle!($x)])
    };
    // A Rust expression.
    (@seq $kind:ident [$($e:expr,)*] $x:expr , $($rest:tt)*) => {
        $crate::pickle!(@seq $kind [$($e,)* $crate::pickle!(@value $x),] $($rest)*)
    };
    (@seq $kind:ident [$($e:expr,)*] $x:expr) => {
        $crate::pickle!(@seq $kind [$($e,)* $crate::pickle!(@value $x)])
    };

    // ---- `{...}`: a dict if the first element has a top-level `:`, else a set.
    (@brace ($($k:tt)*) : $($rest:tt)*) => {{
        let mut dict = $crate::value::Dict::new();
        $crate::pickle!(@dict dict ($($k)*) : $($rest)*);
        $crate::Value::Dict(dict)
    }};
    (@brace ($($k:tt)*) , $($rest:tt)*) => { $crate::pickle!(@seq set [] $($k)* , $($rest)*) };
    (@brace ($($k:tt)+)) => { $crate::pickle!(@seq set [] $($k)+) };
    (@brace ($($k:tt)*) $t:tt $($rest:tt)*) => { $crate::pickle!(@brace ($($k)* $t) $($rest)*) };

    // ---- Dict entries: `@dict NAME (key tokens) tokens...`.
    (@dict $d:ident ()) => {};
    (@dict $d:ident ($($k:tt)+) : $v:tt , $($rest:tt)*) => {
        let _ = $d.insert($crate::pickle!($($k)+), $crate::pickle!($v));
        $crate::pickle!(@dict $d () $($rest)*);
    };
    (@dict $d:ident ($($k:tt)+) : $v:tt) => {
        let _ = $d.insert($crate::pickle!($($k)+), $crate::pickle!($v));
    };
    (@dict $d:ident ($($k:tt)+) : $v:expr , $($rest:tt)*) => {
        let _ = $d.insert($crate::pickle!($($k)+), $crate::pickle!(@value $v));
        $crate::pickle!(@dict $d () $($rest)*);
    };
    (@dict $d:ident ($($k:tt)+) : $v:expr) => {
        let _ = $d.insert($crate::pickle!($($k)+), $crate::pickle!(@value $v));
    };
    (@dict $d:ident ($($k:tt)*) $t:tt $($rest:tt)*) => {
        $crate::pickle!(@dict $d ($($k)* $t) $($rest)*)
    };

    // ---- A Rust expression: `Value::from` when the type converts (so a
    // `Value`, `b"..."` bytes and shared nodes stay what they are), else
    // its `Serialize` impl through `to_value` (autoref picks the first).
    (@value $e:expr) => {{
        #[allow(unused_imports)]
        use $crate::value::__macro::{ViaFrom as _, ViaSerialize as _};
        (&$crate::value::__macro::Wrap::new($e)).__pickle_value()
    }};

    // ---- Entry points.
    (None) => { $crate::Value::None };
    (null) => { $crate::Value::None };
    (True) => { $crate::Value::Bool(true) };
    (False) => { $crate::Value::Bool(false) };
    (true) => { $crate::Value::Bool(true) };
    (false) => { $crate::Value::Bool(false) };
    ([]) => { $crate::Value::List(vec![]) };
    // Elements of one token each: no recursion per element.
    ([ $($x:tt),+ $(,)? ]) => { $crate::Value::List(vec![$($crate::pickle!($x)),+]) };
    ([ $($tt:tt)+ ]) => { $crate::pickle!(@seq list [] $($tt)+) };
    (()) => { $crate::Value::Tuple(vec![]) };
    (( $x:tt )) => { $crate::pickle!($x) };
    (( $($x:tt),+ $(,)? )) => { $crate::Value::Tuple(vec![$($crate::pickle!($x)),+]) };
    (( $($tt:tt)+ )) => { $crate::pickle!(@seq tuple [] $($tt)+) };
    ({}) => { $crate::Value::Dict($crate::value::Dict::new()) };
    ({ $($k:tt : $v:tt),+ $(,)? }) => {{
        let mut dict = $crate::value::Dict::new();
        $(let _ = dict.insert($crate::pickle!($k), $crate::pickle!($v));)+
        $crate::Value::Dict(dict)
    }};
    ({ $($x:tt),+ $(,)? }) => { $crate::Value::Set(vec![$($crate::pickle!($x)),+]) };
    ({ $($tt:tt)+ }) => { $crate::pickle!(@brace () $($tt)+) };
    ($other:expr) => { $crate::pickle!(@value $other) };
}

/// What `pickle!` needs to convert a Rust expression; not public API.
#[doc(hidden)]
pub mod __macro {
    use std::cell::Cell;

    use crate::Value;

    /// An expression's value, taken once by one of the two traits.
    pub struct Wrap<T>(Cell<Option<T>>);

    impl<T> Wrap<T> {
        pub fn new(value: T) -> Self {
            Wrap(Cell::new(Some(value)))
        }

        fn take(&self) -> T {
            match self.0.take() {
                Some(v) => v,
                None => unreachable!("pickle!: an expression is converted once"),
            }
        }
    }

    /// Preferred: the type converts with `Value::from`.
    pub trait ViaFrom {
        fn __pickle_value(&self) -> Value;
    }

    impl<T: Into<Value>> ViaFrom for Wrap<T> {
        fn __pickle_value(&self) -> Value {
            self.take().into()
        }
    }

    /// Otherwise: any `Serialize` type, as `to_value` converts it.
    pub trait ViaSerialize {
        fn __pickle_value(&self) -> Value;
    }

    impl<T: serde::Serialize> ViaSerialize for &Wrap<T> {
        fn __pickle_value(&self) -> Value {
            match crate::to_value(self.take()) {
                Ok(v) => v,
                Err(e) => panic!("pickle!: the value cannot be converted: {e}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use crate::value::Value;

    #[test]
    fn python_literals_build_the_python_structure() {
        let x = Value::Int(7);
        let cases: Vec<(Value, &str)> = vec![
            (pickle!(None), "None"),
            (pickle!(True), "True"),
            (pickle!(false), "False"),
            (pickle!(()), "()"),
            (pickle!((None,)), "(None,)"),
            (pickle!((None)), "None"),
            (pickle!((1, (2,), [(3)])), "(1, (2,), [3])"),
            (pickle!([-1, 2 * 3, "s", [], {}]), "[-1, 6, 's', [], {}]"),
            (pickle!({1, 2}), "{1, 2}"),
            (pickle!({ (1, 2) }), "{(1, 2)}"),
            (pickle!({1: "a", True: "b", 1.0: "c"}), "{1: 'c'}"),
            (
                pickle!({"k": x.clone(), "n": {None: [True, False]},}),
                "{'k': 7, 'n': {None: [True, False]}}",
            ),
            (pickle!([x]), "[7]"),
            (pickle!(b"\x00"), "b'\\x00'"),
        ];
        for (v, repr) in cases {
            assert_eq!(v.to_string(), repr);
        }
    }

    #[test]
    fn rust_expressions_are_elements_and_one_token_elements_have_no_length_limit() {
        let xs = [1u8, 2];
        let v = pickle!([
            xs.len(),
            std::cmp::max(1, 2),
            -3,
            1 + 1,
            HashMap::<u8, u8>::new(),
            vec![true]
        ]);
        assert_eq!(v.to_string(), "[2, 2, -3, 2, {}, [True]]");
        let long = pickle!([
            0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8,
            9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7,
            8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6,
            7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5,
            6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4,
            5, 6, 7, 8, 9,
        ]);
        assert_eq!(long.as_list().map(<[Value]>::len), Some(150));
    }
}
