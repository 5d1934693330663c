//! pandas `Series` and `DataFrame`, as pandas 2.x and 3.x pickle them
//! (checked against pandas 2.2 and 3.1):
//!
//! * `Series`: `Series.__new__` + BUILD `{'_mgr': SingleBlockManager, ...}`,
//!   the manager's state `(axes, values, ..., {'0.14.1': {'axes': [index],
//!   'blocks': [{'values': array, 'mgr_locs': slice}]}})`;
//! * `DataFrame`: `DataFrame.__new__` + BUILD `{'_mgr': BlockManager(blocks,
//!   [columns, index]), ...}`, each block `_unpickle_block(values, mgr_locs, 2)`
//!   with `values` of shape `(columns in the block, rows)`;
//! * a block's values are a numpy array, or an extension array backed by one
//!   (`__pyx_unpickle_NDArrayBacked(cls, ...)` + BUILD `(dtype, ndarray)`:
//!   `StringArray`, `DatetimeArray`...);
//! * the columns are `_new_Index(Index, {'data': array, ...})` or a
//!   `RangeIndex` (`{'start', 'stop', 'step'}`).
//!
//! A `Series` reads as its values; a `DataFrame` as a map of column name to
//! the column's values, or, asked for a sequence, as its rows (each a map of
//! column name to value). Anything else (a `MultiIndex`, masked or
//! categorical columns...) is an error naming the pandas class.

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use super::array::{class_of, is_numpy, object_parts, text_of, view, ArrayView, Data};
use super::de::{ArrayDe, How};
use crate::de::view::Tree;
use crate::de::NodeDe;
use crate::error::{Error, Result};
use crate::vm::arena::{Node, NodeId, Seq};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Series,
    DataFrame,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Series => "Series",
            Kind::DataFrame => "DataFrame",
        }
    }
}

/// A pandas Series or DataFrame object, by its class (3.x and 2.x spellings).
pub(crate) fn kind(n: &NodeDe<'_, '_, '_>, o: u32) -> Option<Kind> {
    let obj = n.ctx.arena.objects[o as usize];
    match class_of(n, obj.callable)? {
        (b"pandas" | b"pandas.core.series", b"Series") => Some(Kind::Series),
        (b"pandas" | b"pandas.core.frame", b"DataFrame") => Some(Kind::DataFrame),
        _ => None,
    }
}

fn unsupported(kind: Kind, what: impl std::fmt::Display) -> Error {
    Error::unsupported(format!(
        "pandas {}: {what} is not supported (Series and DataFrames of numeric, bool and str columns are, as pandas 2.x and 3.x pickle them)",
        kind.name()
    ))
}

/// `module.name` of a node's class, for messages.
fn class_name(n: &NodeDe<'_, '_, '_>, id: NodeId) -> String {
    let arena = n.ctx.arena;
    let callable = match arena.node(id) {
        Node::Object(o) => arena.objects[o as usize].callable,
        _ => return "a non-object".into(),
    };
    match class_of(n, callable) {
        Some((m, c)) => format!("{}.{}", String::from_utf8_lossy(m), String::from_utf8_lossy(c)),
        None => "an object".into(),
    }
}

/// The value under `key` in a dict's items.
fn get(n: &NodeDe<'_, '_, '_>, dict: Seq, key: &[u8]) -> Option<NodeId> {
    let items: Vec<NodeId> = n.ctx.arena.iter(dict).collect();
    items.chunks(2).find(|kv| kv.len() == 2 && text_of(n, kv[0]) == Some(key)).map(|kv| kv[1])
}

fn dict_of(n: &NodeDe<'_, '_, '_>, id: NodeId) -> Option<Seq> {
    match n.ctx.arena.node(id) {
        Node::Dict(s) => Some(s),
        _ => None,
    }
}

fn items(n: &NodeDe<'_, '_, '_>, id: NodeId) -> Option<Vec<NodeId>> {
    match n.ctx.arena.node(id) {
        Node::List(s) | Node::Tuple(s) => Some(n.ctx.arena.iter(s).collect()),
        _ => None,
    }
}

fn int(n: &NodeDe<'_, '_, '_>, id: NodeId) -> Option<i64> {
    match n.ctx.arena.node(id) {
        Node::Int(i) => Some(i),
        _ => None,
    }
}

/// The numpy array holding a block's (or an index's) values.
fn values_array<'c>(n: &NodeDe<'c, '_, '_>, kind: Kind, id: NodeId) -> Result<ArrayView<'c>> {
    let arena = n.ctx.arena;
    if let Node::Object(o) = arena.node(id) {
        if is_numpy(n, o) {
            return view(n, o);
        }
        let obj = arena.objects[o as usize];
        let (args, state) = object_parts(n, &obj);
        let backed = class_of(n, obj.callable)
            == Some((b"pandas._libs.arrays", b"__pyx_unpickle_NDArrayBacked"));
        // Extension arrays whose backing ndarray holds the values themselves
        // (not a Categorical's codes, say).
        let plain = args.first().and_then(|&c| class_of(n, c)).is_some_and(|(_, c)| {
            matches!(
                c,
                b"StringArray"
                    | b"DatetimeArray"
                    | b"TimedeltaArray"
                    | b"NumpyExtensionArray"
                    | b"PandasArray"
            )
        });
        if backed && !plain {
            let class = args.first().and_then(|&c| class_of(n, c));
            let class = class.map_or("an unknown class".into(), |(m, c)| {
                format!("{}.{}", String::from_utf8_lossy(m), String::from_utf8_lossy(c))
            });
            return Err(unsupported(kind, format_args!("a column of {class}")));
        }
        if backed {
            // BUILD (dtype, ndarray): the extension array's backing ndarray.
            if let Some(Node::Object(inner)) = state.get(1).map(|&s| arena.node(s)) {
                if is_numpy(n, inner) {
                    return view(n, inner);
                }
            }
        }
    }
    Err(unsupported(kind, format_args!("a column of {}", class_name(n, id))))
}

/// The manager's axes and its blocks as (values, mgr_locs).
struct Manager {
    axes: Vec<NodeId>,
    blocks: Vec<(NodeId, NodeId)>,
}

fn manager(n: &NodeDe<'_, '_, '_>, kind: Kind, o: u32) -> Result<Manager> {
    let arena = n.ctx.arena;
    let obj = arena.objects[o as usize];
    let state = arena.iter(obj.state).last().and_then(|s| dict_of(n, s));
    let mgr = state
        .and_then(|s| get(n, s, b"_mgr"))
        .ok_or_else(|| unsupported(kind, "a pickle without _mgr"))?;
    let Node::Object(m) = arena.node(mgr) else {
        return Err(unsupported(kind, "a _mgr that is not an object"));
    };
    let mobj = arena.objects[m as usize];
    let (args, state) = object_parts(n, &mobj);
    let bad = || unsupported(kind, format_args!("the layout of {}", class_name(n, mgr)));
    // pandas' `__getstate__` layout: the blocks under '0.14.1'.
    if let Some(extra) =
        state.iter().find_map(|&s| dict_of(n, s).and_then(|d| get(n, d, b"0.14.1")))
    {
        let extra = dict_of(n, extra).ok_or_else(bad)?;
        let axes = get(n, extra, b"axes").and_then(|a| items(n, a)).ok_or_else(bad)?;
        let mut blocks = Vec::new();
        for b in get(n, extra, b"blocks").and_then(|b| items(n, b)).ok_or_else(bad)? {
            let b = dict_of(n, b).ok_or_else(bad)?;
            blocks.push((
                get(n, b, b"values").ok_or_else(bad)?,
                get(n, b, b"mgr_locs").ok_or_else(bad)?,
            ));
        }
        return Ok(Manager { axes, blocks });
    }
    // `BlockManager(blocks, axes)`, each block `_unpickle_block(values, mgr_locs, ndim)`.
    let [blocks, axes] = args[..] else { return Err(bad()) };
    let axes = items(n, axes).ok_or_else(bad)?;
    let mut out = Vec::new();
    for b in items(n, blocks).ok_or_else(bad)? {
        let Node::Object(bo) = arena.node(b) else { return Err(bad()) };
        let bobj = arena.objects[bo as usize];
        if class_of(n, bobj.callable) != Some((b"pandas._libs.internals", b"_unpickle_block")) {
            return Err(unsupported(kind, format_args!("a block made by {}", class_name(n, b))));
        }
        let (bargs, _) = object_parts(n, &bobj);
        out.push((*bargs.first().ok_or_else(bad)?, *bargs.get(1).ok_or_else(bad)?));
    }
    Ok(Manager { axes, blocks: out })
}

/// The column positions a block holds: a `slice(start, stop, step)` or an array of ints.
fn locs(n: &NodeDe<'_, '_, '_>, kind: Kind, id: NodeId, count: usize) -> Result<Vec<usize>> {
    let arena = n.ctx.arena;
    let bad = || unsupported(kind, "a block placement that is not a slice or an int array");
    let Node::Object(o) = arena.node(id) else { return Err(bad()) };
    let obj = arena.objects[o as usize];
    if matches!(class_of(n, obj.callable), Some((b"builtins" | b"__builtin__", b"slice"))) {
        let (args, _) = object_parts(n, &obj);
        let [start, _, step] = args[..] else { return Err(bad()) };
        let start = int(n, start).and_then(|s| usize::try_from(s).ok()).ok_or_else(bad)?;
        let step = match arena.node(step) {
            Node::None => 1,
            Node::Int(s) if s > 0 => s as usize,
            _ => return Err(bad()),
        };
        return (0..count)
            .map(|i| i.checked_mul(step).and_then(|d| d.checked_add(start)).ok_or_else(bad))
            .collect();
    }
    if !is_numpy(n, o) {
        return Err(bad());
    }
    let v = view(n, o)?;
    let Data::Raw(bytes) = v.data else { return Err(bad()) };
    if v.descr.dtype.kind() != 'i' || v.descr.size() != 8 || v.shape.len() != 1 {
        return Err(bad());
    }
    let read = |c: &[u8]| {
        let b: [u8; 8] = c.try_into().expect("8 bytes");
        if v.descr.big {
            i64::from_be_bytes(b)
        } else {
            i64::from_le_bytes(b)
        }
    };
    bytes.chunks_exact(8).map(|c| usize::try_from(read(c)).map_err(|_| bad())).collect()
}

/// A column name: an element of the columns' array, or a RangeIndex position.
enum Names<'c> {
    Array(ArrayView<'c>),
    Range { start: i64, step: i64, len: usize },
}

fn names<'c>(n: &NodeDe<'c, '_, '_>, kind: Kind, index: NodeId) -> Result<Names<'c>> {
    let arena = n.ctx.arena;
    let bad = || unsupported(kind, format_args!("columns of {}", class_name(n, index)));
    let Node::Object(o) = arena.node(index) else { return Err(bad()) };
    let obj = arena.objects[o as usize];
    if class_of(n, obj.callable) != Some((b"pandas.core.indexes.base", b"_new_Index")) {
        return Err(bad());
    }
    let (args, _) = object_parts(n, &obj);
    let [cls, d] = args[..] else { return Err(bad()) };
    // `_new_Index(cls, ...)`: name the index class.
    let bad = || match class_of(n, cls) {
        Some((m, c)) => unsupported(
            kind,
            format_args!(
                "columns of {}.{}",
                String::from_utf8_lossy(m),
                String::from_utf8_lossy(c)
            ),
        ),
        None => bad(),
    };
    let d = dict_of(n, d).ok_or_else(bad)?;
    match class_of(n, cls) {
        Some((_, b"RangeIndex")) => {
            let field = |k: &[u8]| get(n, d, k).and_then(|v| int(n, v));
            let (start, stop, step) = (
                field(b"start").ok_or_else(bad)?,
                field(b"stop").ok_or_else(bad)?,
                field(b"step").unwrap_or(1),
            );
            if step == 0 {
                return Err(bad());
            }
            // len(range(start, stop, step)), in i128 so that no i64 overflows.
            let (a, b, st) = (start as i128, stop as i128, step as i128);
            let len = usize::try_from((b - a + st - st.signum()) / st).unwrap_or(0);
            Ok(Names::Range { start, step, len })
        }
        Some((_, b"Index")) => {
            let data = get(n, d, b"data").ok_or_else(bad)?;
            let v = values_array(n, kind, data)?;
            if v.shape.len() != 1 {
                return Err(bad());
            }
            Ok(Names::Array(v))
        }
        _ => Err(bad()),
    }
}

/// Read a Series or DataFrame.
pub(crate) fn read<'de, V: Visitor<'de>>(
    n: NodeDe<'_, '_, 'de>,
    o: u32,
    kind: Kind,
    how: How,
    visitor: V,
) -> Result<V::Value> {
    let _g = n.enter()?;
    let m = manager(&n, kind, o)?;
    let mut views = Vec::with_capacity(m.blocks.len());
    for &(values, _) in &m.blocks {
        let v = values_array(&n, kind, values)?;
        super::de::charge(&n, &v)?;
        views.push(v);
    }
    if kind == Kind::Series {
        let [v] = &views[..] else { return Err(unsupported(kind, "a manager of several blocks")) };
        if v.shape.len() != 1 {
            return Err(unsupported(kind, "values that are not one-dimensional"));
        }
        let a = ArrayDe { n, view: v, offset: 0, dim: 0 };
        return match how {
            How::Seq => de::Deserializer::deserialize_seq(a, visitor),
            _ => de::Deserializer::deserialize_any(a, visitor),
        };
    }
    let columns = m.axes.first().ok_or_else(|| unsupported(kind, "a manager without axes"))?;
    let names = names(&n, kind, *columns)?;
    let ncols = match &names {
        Names::Array(v) => v.shape[0],
        Names::Range { len, .. } => *len,
    };
    // Every column is in a block: more names than block columns is malformed
    // (and is checked before anything is allocated per name).
    let in_blocks: usize =
        views.iter().map(|v| if v.shape.len() == 2 { v.shape[0] } else { 1 }).sum();
    if ncols > in_blocks {
        return Err(unsupported(kind, "more columns than its blocks hold"));
    }
    // Each column: (block, row of the block's 2-D values, or None for a 1-D extension array).
    let mut cols: Vec<Option<(usize, Option<usize>)>> = vec![None; ncols];
    let mut nrows = None;
    for (b, (&(_, placement), v)) in m.blocks.iter().zip(&views).enumerate() {
        let (count, rows) = match v.shape[..] {
            [rows] => (1, rows),
            [count, rows] => (count, rows),
            _ => return Err(unsupported(kind, "a block of more than two dimensions")),
        };
        if nrows.replace(rows).is_some_and(|r| r != rows) {
            return Err(unsupported(kind, "blocks of different lengths"));
        }
        for (j, c) in locs(&n, kind, placement, count)?.into_iter().enumerate() {
            let slot = cols
                .get_mut(c)
                .ok_or_else(|| unsupported(kind, "a block placed beyond the columns"))?;
            *slot = Some((b, (v.shape.len() == 2).then_some(j)));
        }
    }
    let cols: Vec<(usize, Option<usize>)> = cols
        .into_iter()
        .collect::<Option<_>>()
        .ok_or_else(|| unsupported(kind, "a column in no block"))?;
    let frame = Frame { n, views: &views, names: &names, cols: &cols, nrows: nrows.unwrap_or(0) };
    match how {
        How::Seq => {
            let mut rows = RowsSeq { f: &frame, r: 0 };
            let v = visitor.visit_seq(&mut rows)?;
            Ok(v)
        }
        How::Any => visitor.visit_map(ColumnsMap { f: &frame, c: 0, row: None }),
        How::NdArray => Err(unsupported(kind, "reading as an NdArray")),
    }
}

struct Frame<'f, 'c, 'a, 'de> {
    n: NodeDe<'c, 'a, 'de>,
    views: &'f [ArrayView<'c>],
    names: &'f Names<'c>,
    cols: &'f [(usize, Option<usize>)],
    nrows: usize,
}

impl<'f, 'c, 'a, 'de> Frame<'f, 'c, 'a, 'de> {
    fn name<K: DeserializeSeed<'de>>(&self, c: usize, seed: K) -> Result<K::Value> {
        match self.names {
            Names::Array(v) => {
                seed.deserialize(ArrayDe { n: self.n, view: v, offset: c * v.strides[0], dim: 1 })
            }
            Names::Range { start, step, .. } => {
                // In the range, so it fits (start and the last value are i64).
                let name = i64::try_from(*start as i128 + c as i128 * *step as i128)
                    .map_err(|_| Error::message("pandas RangeIndex beyond i64"))?;
                seed.deserialize(name.into_deserializer())
            }
        }
    }

    /// Column `c` (`row: None`), or its element in row `r`.
    fn cell(&self, c: usize, row: Option<usize>) -> ArrayDe<'f, 'c, 'a, 'de> {
        let (b, j) = self.cols[c];
        let v = &self.views[b];
        let (base, dim) = match j {
            Some(j) => (j * v.strides[0], 1),
            None => (0, 0),
        };
        match row {
            None => ArrayDe { n: self.n, view: v, offset: base, dim },
            Some(r) => {
                ArrayDe { n: self.n, view: v, offset: base + r * v.strides[dim], dim: dim + 1 }
            }
        }
    }
}

/// Column name -> column values (or, for one row, -> the row's value).
struct ColumnsMap<'r, 'f, 'c, 'a, 'de> {
    f: &'r Frame<'f, 'c, 'a, 'de>,
    c: usize,
    row: Option<usize>,
}

impl<'de> MapAccess<'de> for ColumnsMap<'_, '_, '_, '_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if self.c == self.f.cols.len() {
            return Ok(None);
        }
        self.f.name(self.c, seed).map(Some)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value> {
        let cell = self.f.cell(self.c, self.row);
        self.c += 1;
        seed.deserialize(cell)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.f.cols.len() - self.c)
    }
}

/// The rows, each a map of column name to value.
struct RowsSeq<'r, 'f, 'c, 'a, 'de> {
    f: &'r Frame<'f, 'c, 'a, 'de>,
    r: usize,
}

impl<'de> SeqAccess<'de> for RowsSeq<'_, '_, '_, '_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.r == self.f.nrows {
            return Ok(None);
        }
        let row = Row { f: self.f, r: self.r };
        self.r += 1;
        seed.deserialize(row).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.f.nrows - self.r)
    }
}

struct Row<'r, 'f, 'c, 'a, 'de> {
    f: &'r Frame<'f, 'c, 'a, 'de>,
    r: usize,
}

impl<'de> de::Deserializer<'de> for Row<'_, '_, '_, '_, 'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let _g = self.f.n.enter()?;
        visitor.visit_map(ColumnsMap { f: self.f, c: 0, row: Some(self.r) })
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // A row as a tuple: its values by column position.
        let _g = self.f.n.enter()?;
        let f = self.f;
        let r = self.r;
        let cells = (0..f.cols.len()).map(move |c| f.cell(c, Some(r)));
        visitor.visit_seq(de::value::SeqDeserializer::new(cells))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct map struct enum identifier ignored_any
    }
}

impl<'de> IntoDeserializer<'de, Error> for ArrayDe<'_, '_, '_, 'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}
