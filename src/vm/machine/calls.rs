//! The opcodes that name globals and would make calls (GLOBAL, REDUCE,
//! NEWOBJ, BUILD, INST/OBJ, PERSID): kept as data, checked against the
//! globals policy, recorded for `scan`, and never executed.

use super::*;
use crate::options::Py2Strings;

impl Machine {
    pub(super) fn global(&mut self, module: &[u8], name: &[u8], opts: &DeOptions) -> Result<Node> {
        let module =
            std::str::from_utf8(module).map_err(|_| Error::syntax("global module is not UTF-8"))?;
        let name =
            std::str::from_utf8(name).map_err(|_| Error::syntax("global name is not UTF-8"))?;
        if module.is_empty() || name.is_empty() {
            return Err(Error::syntax("empty module or name in global"));
        }
        let (module, name) = if self.proto < 3 {
            native_globals::py2_to_py3(module, name)
        } else {
            (module.into(), name.into())
        };
        let (offset, opcode) = (self.op_offset, self.op_code);
        if let Some(t) = &mut self.trace {
            t.push(Event::Global {
                offset,
                opcode,
                module: module.to_string(),
                name: name.to_string(),
            });
        }
        check_policy(&module, &name, opts)?;
        let start = self.arena.scratch.len();
        self.arena.scratch.extend_from_slice(module.as_bytes());
        let m = Span::scratch(start, module.len());
        let start = self.arena.scratch.len();
        self.arena.scratch.extend_from_slice(name.as_bytes());
        let n = Span::scratch(start, name.len());
        self.arena.globals.push(GlobalRef { module: m, name: n });
        Ok(Node::Global(self.arena.globals.len() as u32 - 1))
    }

    /// The text of a STACK_GLOBAL operand, where CPython has a `str` there:
    /// a str, or a Python 2 str unless Python 2 strs are read as bytes
    /// (`S'os'\nS'system'\n\x93` runs in CPython with its default ASCII
    /// decoding, and with Latin-1; with `encoding='bytes'` it is an error).
    pub(super) fn global_operand(
        &self,
        id: NodeId,
        input: &[u8],
        opts: &DeOptions,
    ) -> Option<Vec<u8>> {
        match self.arena.node(id) {
            Node::Str(span, Text::Utf8) => Some(self.arena.bytes(input, span).to_vec()),
            Node::Py2Str(span) => {
                let bytes = self.arena.bytes(input, span);
                match opts.py2_strings {
                    Py2Strings::Bytes => None,
                    Py2Strings::Ascii if !bytes.is_ascii() => None,
                    _ => Some(bytes.iter().map(|&b| b as char).collect::<String>().into_bytes()),
                }
            }
            _ => None,
        }
    }

    /// When tracing, a STACK_GLOBAL whose operands are not plain strs (a
    /// str computed by a call, say, which CPython would accept) is still
    /// reported, as a global named by what is known of it, so that `scan`
    /// never lets a name it cannot read pass as safe.
    pub(super) fn trace_unresolved_global(&mut self, module: NodeId, name: NodeId, input: &[u8]) {
        if self.trace.is_none() {
            return;
        }
        let describe = |id: NodeId| match self.arena.node(id) {
            Node::Str(span, _) | Node::Py2Str(span) | Node::Bytes(span) => {
                String::from_utf8_lossy(self.arena.bytes(input, span)).into_owned()
            }
            _ => "?".to_string(),
        };
        let (module, name) = (describe(module), describe(name));
        let (offset, opcode) = (self.op_offset, self.op_code);
        if let Some(t) = &mut self.trace {
            t.push(Event::Global { offset, opcode, module, name });
        }
    }

    /// Record a call on `callable` (REDUCE, NEWOBJ, BUILD...) when tracing.
    pub(super) fn trace_call(&mut self, opcode: u8, callable: NodeId, input: &[u8]) {
        if self.trace.is_none() {
            return;
        }
        let callable = match self.arena.nodes.get(callable as usize) {
            Some(Node::Global(g)) => {
                let g = self.arena.globals[*g as usize];
                let text = |s| String::from_utf8_lossy(self.arena.bytes(input, s)).into_owned();
                Some((text(g.module), text(g.name)))
            }
            Some(Node::Object(o)) if opcode == BUILD => {
                let cls = self.arena.objects[*o as usize].callable;
                match self.arena.nodes.get(cls as usize) {
                    Some(Node::Global(g)) => {
                        let g = self.arena.globals[*g as usize];
                        let text =
                            |s| String::from_utf8_lossy(self.arena.bytes(input, s)).into_owned();
                        Some((text(g.module), text(g.name)))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        let offset = self.op_offset;
        if let Some(t) = &mut self.trace {
            t.push(Event::Call { offset, opcode, callable });
        }
    }

    /// CPython calls the callable of REDUCE and OBJ and instantiates the class
    /// of NEWOBJ/NEWOBJ_EX, so plain data there (`N)R.`: None is not callable)
    /// fails in both of its loaders. Globals, objects and persistent ids may be
    /// callable; they are kept as data, never called.
    pub(super) fn check_callable(&self, id: NodeId, opcode: &str) -> Result<()> {
        if matches!(self.arena.node(id), Node::Global(_) | Node::Object(_) | Node::PersId(_)) {
            return Ok(());
        }
        Err(Error::syntax(format!("{opcode}: '{}' object is not callable", self.type_name(id))))
    }

    /// CPython's `memoryview(obj)` on a non-buffer, for READONLY_BUFFER.
    pub(super) fn not_a_buffer(&self, id: NodeId) -> Error {
        Error::syntax(format!(
            "memoryview: a bytes-like object is required, not '{}'",
            self.type_name(id)
        ))
    }

    /// Python's type name for a node of plain data.
    fn type_name(&self, id: NodeId) -> &'static str {
        match self.arena.node(id) {
            Node::Global(_) | Node::Object(_) | Node::PersId(_) => "object",
            Node::None => "NoneType",
            Node::Bool(_) => "bool",
            Node::Int(_) | Node::BigInt(_) => "int",
            Node::Float(_) => "float",
            Node::Complex(..) => "complex",
            Node::Str(..) | Node::Py2Str(_) => "str",
            Node::Bytes(_) => "bytes",
            Node::ByteArray(_) => "bytearray",
            Node::List(_) => "list",
            Node::Tuple(_) => "tuple",
            Node::Dict(_) => "dict",
            Node::Set(_) => "set",
            Node::FrozenSet(_) => "frozenset",
            Node::Buffer { .. } => "PickleBuffer",
        }
    }

    pub(super) fn object(
        &mut self,
        kind: ObjectKind,
        callable: NodeId,
        args: NodeId,
        kwargs: NodeId,
    ) -> Node {
        self.arena.objects.push(ObjNode {
            kind,
            callable,
            args,
            kwargs,
            state: Seq::EMPTY,
            list_items: Seq::EMPTY,
            dict_items: Seq::EMPTY,
        });
        Node::Object(self.arena.objects.len() as u32 - 1)
    }

    /// CPython raises `TypeError: unhashable type` when a list, dict, set or
    /// bytearray (or a tuple holding one) is used as a dict key or set item.
    pub(crate) fn check_hashable(&self, items: &[NodeId]) -> Result<()> {
        let mut work: Vec<NodeId> = items.to_vec();
        let mut budget = 4096usize;
        while let Some(id) = work.pop() {
            match self.arena.node(id) {
                Node::List(_) | Node::Dict(_) | Node::Set(_) | Node::ByteArray(_) => {
                    let what = match self.arena.node(id) {
                        Node::List(_) => "list",
                        Node::Dict(_) => "dict",
                        Node::Set(_) => "set",
                        _ => "bytearray",
                    };
                    return Err(Error::syntax(format!("unhashable type: '{what}'")));
                }
                Node::Tuple(s) | Node::FrozenSet(s) if budget > 0 => {
                    budget = budget.saturating_sub(s.len as usize + 1);
                    work.extend(self.arena.iter(s));
                }
                _ => {}
            }
        }
        Ok(())
    }

    pub(super) fn check_keys(&self, pairs: &[NodeId]) -> Result<()> {
        // Only keys: every other item.
        let keys: Vec<NodeId> = pairs.iter().step_by(2).copied().collect();
        self.check_hashable(&keys)
    }

    pub(super) fn persistent(&mut self, id: NodeId, input: &[u8], opts: &DeOptions) -> Result<()> {
        let node = match &opts.persistent_load {
            Some(hook) => {
                let pid = crate::vm::walk::to_value(
                    &self.arena,
                    input,
                    input.len(),
                    &self.gotten,
                    id,
                    opts,
                )?;
                let value = hook(&pid)?;
                let id = native_globals::import_value(self, &value, opts)?;
                self.stack.push(id);
                return Ok(());
            }
            None => Node::PersId(id),
        };
        self.push(node, opts)
    }
}

pub(super) fn check_policy(module: &str, name: &str, opts: &DeOptions) -> Result<()> {
    let allowed = match &opts.globals {
        GlobalsPolicy::KeepAsData => true,
        GlobalsPolicy::AllowList(list) => list.iter().any(|g| g.module == module && g.name == name),
        GlobalsPolicy::RejectAll => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(Error::new(ErrorCode::ForbiddenGlobal { module: module.into(), name: name.into() }))
    }
}
