"""Unpicklers for data.pkl: a restricted one (weights_only=True) and a full one.

The restricted unpickler never imports or looks anything up by name: a GLOBAL resolves only
through the allow-list (torch's, mapped to jtorch objects, plus add_safe_globals), REDUCE and
NEWOBJ call only allow-listed callables, BUILD/APPEND/SETITEM act only on allowed types.
Anything else raises pickle.UnpicklingError naming the offending global before it can run.
"""
import _compat_pickle
import collections
import importlib
import pickle
import struct

from .._tensor import Tensor
from . import _rebuild
from . import safe_globals_state

__all__ = ["WeightsOnlyUnpickler", "FullUnpickler", "resolve_global"]

# NOTE: modules torch refuses even when allow-listed by the user, plus a few builtins that
# would turn the unpickler into an interpreter.
_BLOCKED_MODULES = {"sys", "os", "posix", "nt", "subprocess"}
_BLOCKED_NAMES = {"builtins.eval", "builtins.exec", "builtins.compile", "builtins.__import__",
                  "builtins.open", "builtins.getattr", "builtins.setattr", "builtins.delattr",
                  "builtins.globals", "builtins.breakpoint", "builtins.input"}



def _fix_name(module, name):
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def _user_globals():
    out = {}
    for f in list(safe_globals_state):
        if isinstance(f, tuple):
            if len(f) != 2:
                raise ValueError(f"Expected tuple of length 2 (global, str of callable full "
                                 f"path), but got tuple of length: {len(f)}")
            if type(f[1]) is not str:
                raise TypeError(f"Expected second item in tuple to be str of callable full "
                                f"path, but got: {type(f[1])}")
            obj, full = f
        else:
            obj, full = f, f"{f.__module__}.{f.__qualname__}"
        out[full] = obj
        if full.startswith("jtorch."):
            # NOTE: files written by real torch name jtorch's classes torch.*.
            out.setdefault("torch." + full[len("jtorch."):], obj)
    return out


def _display(full):
    return full[len("builtins."):] if full.startswith("builtins.") else full


class WeightsOnlyUnpickler:
    """torch's weights_only unpickler semantics over an in-memory data.pkl."""

    def __init__(self, data, persistent_load, encoding="utf-8"):
        self.data = bytes(data)
        self.persistent_load = persistent_load
        self.encoding = encoding
        self.allowed = _rebuild.torch_globals()
        self.user = _user_globals()
        self.callable_ids = {id(v) for v in self.allowed.values()}
        self.callable_ids |= {id(v) for v in self.user.values()}
        self.user_types = {id(v) for v in self.user.values() if isinstance(v, type)}

    # ---- reading --------------------------------------------------------------------
    def _take(self, n):
        i = self.pos
        j = i + n
        if n < 0 or j > len(self.data):
            raise pickle.UnpicklingError("pickle data was truncated")
        self.pos = j
        return self.data[i:j]

    def _line(self):
        j = self.data.find(b"\n", self.pos)
        if j < 0:
            raise pickle.UnpicklingError("pickle data was truncated")
        s = self.data[self.pos:j]
        self.pos = j + 1
        return s.decode("utf-8")

    def _pop_mark(self):
        items = self.stack
        if not self.metastack:
            raise pickle.UnpicklingError("could not find MARK")
        self.stack = self.metastack.pop()
        return items

    def _global(self, module, name):
        module, name = _fix_name(module, name)
        full = f"{module}.{name}"
        if module in _BLOCKED_MODULES or full in _BLOCKED_NAMES:
            raise pickle.UnpicklingError(f"Trying to load unsupported GLOBAL {full} whose module "
                                         f"{module} is blocked.")
        obj = self.allowed.get(full)
        if obj is None:
            obj = self.user.get(full)
        if obj is None:
            shown = _display(full)
            raise pickle.UnpicklingError(
                f"Unsupported global: GLOBAL {shown} was not an allowed global by default. "
                f"Please use `torch.serialization.add_safe_globals([{shown}])` or the "
                f"`torch.serialization.safe_globals([{shown}])` context manager to allowlist "
                f"this global if you trust this class/function.")
        return obj

    def load(self):
        """Run the pickle program and return its object."""
        self.pos, self.stack, self.metastack, self.memo = 0, [], [], {}
        try:
            return self._run()
        except IndexError:
            raise pickle.UnpicklingError("malformed pickle data (truncated, or stack "
                                         "underflow)") from None
        except (struct.error, UnicodeDecodeError) as e:
            raise pickle.UnpicklingError(f"malformed pickle data: {e}") from None

    def _run(self):
        data, stack = self.data, self.stack
        n = len(data)
        while True:
            if self.pos >= n:
                raise pickle.UnpicklingError("pickle data was truncated")
            op = data[self.pos]
            self.pos += 1
            stack = self.stack
            # NOTE: the most frequent opcodes of torch's pickles are tested first.
            if op == 0x71:  # BINPUT
                self.memo[data[self.pos]] = stack[-1]
                self.pos += 1
            elif op == 0x68:  # BINGET
                stack.append(self._get(data[self.pos]))
                self.pos += 1
            elif op == 0x72:  # LONG_BINPUT
                self.memo[struct.unpack("<I", self._take(4))[0]] = stack[-1]
            elif op == 0x6A:  # LONG_BINGET
                stack.append(self._get(struct.unpack("<I", self._take(4))[0]))
            elif op == 0x80:  # PROTO
                self._take(1)
            elif op == 0x95:  # FRAME
                self._take(8)
            elif op == 0x2E:  # STOP
                if not stack:
                    raise pickle.UnpicklingError("empty stack at STOP")
                return stack.pop()
            elif op == 0x28:  # MARK
                self.metastack.append(stack)
                self.stack = []
            elif op == 0x30:  # POP
                if stack:
                    stack.pop()
                else:
                    self._pop_mark()
            elif op == 0x31:  # POP_MARK
                self._pop_mark()
            elif op == 0x32:  # DUP
                stack.append(stack[-1])
            elif op == 0x4E:  # NONE
                stack.append(None)
            elif op == 0x88:
                stack.append(True)
            elif op == 0x89:
                stack.append(False)
            elif op == 0x4A:  # BININT
                stack.append(struct.unpack("<i", self._take(4))[0])
            elif op == 0x4B:  # BININT1
                stack.append(self._take(1)[0])
            elif op == 0x4D:  # BININT2
                stack.append(struct.unpack("<H", self._take(2))[0])
            elif op == 0x8A:  # LONG1
                stack.append(pickle.decode_long(self._take(self._take(1)[0])))
            elif op == 0x8B:  # LONG4
                k = struct.unpack("<i", self._take(4))[0]
                stack.append(pickle.decode_long(self._take(k)))
            elif op == 0x47:  # BINFLOAT
                stack.append(struct.unpack(">d", self._take(8))[0])
            elif op == 0x58:  # BINUNICODE
                k = struct.unpack("<I", self._take(4))[0]
                stack.append(str(self._take(k), "utf-8", "surrogatepass"))
            elif op == 0x8C:  # SHORT_BINUNICODE
                stack.append(str(self._take(self._take(1)[0]), "utf-8", "surrogatepass"))
            elif op == 0x8D:  # BINUNICODE8
                k = struct.unpack("<Q", self._take(8))[0]
                stack.append(str(self._take(k), "utf-8", "surrogatepass"))
            elif op in (0x55, 0x54):  # SHORT_BINSTRING, BINSTRING (Python 2 str)
                k = self._take(1)[0] if op == 0x55 else struct.unpack("<i", self._take(4))[0]
                b = self._take(k)
                stack.append(b if self.encoding == "bytes" else b.decode(self.encoding))
            elif op == 0x43:  # SHORT_BINBYTES
                stack.append(self._take(self._take(1)[0]))
            elif op == 0x42:  # BINBYTES
                stack.append(self._take(struct.unpack("<I", self._take(4))[0]))
            elif op == 0x8E:  # BINBYTES8
                stack.append(self._take(struct.unpack("<Q", self._take(8))[0]))
            elif op == 0x96:  # BYTEARRAY8
                stack.append(bytearray(self._take(struct.unpack("<Q", self._take(8))[0])))
            elif op == 0x29:  # EMPTY_TUPLE
                stack.append(())
            elif op == 0x74:  # TUPLE
                items = self._pop_mark()
                self.stack.append(tuple(items))
            elif op == 0x85:
                stack[-1] = (stack[-1],)
            elif op == 0x86:
                stack[-2:] = [(stack[-2], stack[-1])]
            elif op == 0x87:
                stack[-3:] = [(stack[-3], stack[-2], stack[-1])]
            elif op == 0x5D:  # EMPTY_LIST
                stack.append([])
            elif op == 0x6C:  # LIST
                items = self._pop_mark()
                self.stack.append(list(items))
            elif op == 0x61:  # APPEND
                item = stack.pop()
                self._check(stack[-1], (list,), "append to")
                stack[-1].append(item)
            elif op == 0x65:  # APPENDS
                items = self._pop_mark()
                self._check(self.stack[-1], (list,), "extend")
                self.stack[-1].extend(items)
            elif op == 0x7D:  # EMPTY_DICT
                stack.append({})
            elif op == 0x64:  # DICT
                items = self._pop_mark()
                self.stack.append({items[i]: items[i + 1] for i in range(0, len(items), 2)})
            elif op == 0x73:  # SETITEM
                v = stack.pop()
                k = stack.pop()
                self._check(stack[-1], _DICTS, "SETITEM on")
                stack[-1][k] = v
            elif op == 0x75:  # SETITEMS
                items = self._pop_mark()
                d = self.stack[-1]
                self._check(d, _DICTS, "SETITEMS on")
                for i in range(0, len(items) - 1, 2):
                    d[items[i]] = items[i + 1]
            elif op == 0x8F:  # EMPTY_SET
                stack.append(set())
            elif op == 0x90:  # ADDITEMS
                items = self._pop_mark()
                self._check(self.stack[-1], (set,), "add items to")
                self.stack[-1].update(items)
            elif op == 0x91:  # FROZENSET
                self.stack.append(frozenset(self._pop_mark()))
            elif op == 0x63:  # GLOBAL
                module = self._line()
                stack.append(self._global(module, self._line()))
            elif op == 0x93:  # STACK_GLOBAL
                name = stack.pop()
                module = stack.pop()
                if type(name) is not str or type(module) is not str:
                    raise pickle.UnpicklingError("STACK_GLOBAL requires str")
                stack.append(self._global(module, name))
            elif op == 0x52:  # REDUCE
                args = stack.pop()
                func = stack[-1]
                if id(func) not in self.callable_ids or not isinstance(args, tuple):
                    raise pickle.UnpicklingError(f"Trying to call reduce for unrecognized "
                                                 f"function {func!r:.80}")
                stack[-1] = func(*args)
            elif op in (0x81, 0x92):  # NEWOBJ, NEWOBJ_EX
                kwargs = stack.pop() if op == 0x92 else {}
                args = stack.pop()
                cls = stack.pop()
                stack.append(self._newobj(cls, args, kwargs))
            elif op == 0x62:  # BUILD
                state = stack.pop()
                self._build(stack[-1], state)
            elif op == 0x51:  # BINPERSID
                stack.append(self.persistent_load(stack.pop()))
            elif op == 0x94:  # MEMOIZE
                self.memo[len(self.memo)] = stack[-1]
            else:
                raise pickle.UnpicklingError(f"Unsupported operand {op} at byte {self.pos - 1} "
                                             f"(not allowed by the weights_only unpickler)")

    def _get(self, i):
        try:
            return self.memo[i]
        except KeyError:
            raise pickle.UnpicklingError(f"Memo value not found at index {i}") from None

    @staticmethod
    def _check(obj, types, what):
        if type(obj) not in types:
            raise pickle.UnpicklingError(f"Can only {what} {', '.join(t.__name__ for t in types)}"
                                         f", but got {type(obj).__name__}")

    def _newobj(self, cls, args, kwargs):
        from ..nn.parameter import Parameter
        if not isinstance(args, tuple) or not isinstance(kwargs, dict):
            raise pickle.UnpicklingError("NEWOBJ arguments must be a tuple (and a dict)")
        if cls is Parameter:
            return Parameter(*args, **kwargs)
        if isinstance(cls, type) and id(cls) in self.callable_ids:
            return cls.__new__(cls, *args, **kwargs)
        raise pickle.UnpicklingError(f"Can only create new object for nn.Parameter or classes "
                                     f"allowlisted via `add_safe_globals` but got {cls!r:.80}")

    def _build(self, inst, state):
        t = type(inst)
        if t is collections.OrderedDict:
            if not isinstance(state, dict):
                raise pickle.UnpicklingError("OrderedDict state must be a dict")
            inst.__dict__.update(state)
        elif isinstance(inst, Tensor) and (t.__module__.startswith("jtorch.")
                                           or id(t) in self.user_types):
            # NOTE: only plain attributes (a dict of str keys); no slot state, which could
            # overwrite a tensor's internals.
            if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
                raise pickle.UnpicklingError("Tensor state must be a dict of attributes")
            _rebuild._set_state(inst, state)
        elif id(t) in self.user_types:
            setstate = getattr(inst, "__setstate__", None)
            if setstate is not None:
                setstate(state)
            else:
                slotstate = None
                if isinstance(state, tuple) and len(state) == 2:
                    state, slotstate = state
                if state:
                    inst.__dict__.update(state)
                if slotstate:
                    for k, v in slotstate.items():
                        setattr(inst, k, v)
        else:
            raise pickle.UnpicklingError(f"Can only build Tensor, Parameter, OrderedDict or types "
                                         f"allowlisted via `add_safe_globals`, but got "
                                         f"{t.__module__}.{t.__qualname__}")


_DICTS = (dict, collections.OrderedDict, collections.Counter)


def resolve_global(module, name):
    """weights_only=False lookup: torch's rebuild helpers, torch.* -> jtorch.*, else import."""
    full = f"{module}.{name}"
    g = _rebuild.torch_globals().get(full)
    if g is not None:
        return g
    if module == "torch" or module.startswith("torch."):
        mod = importlib.import_module("jtorch" + module[len("torch"):])
        obj = mod
        for part in name.split("."):
            obj = getattr(obj, part)
        return obj
    return None


class FullUnpickler(pickle.Unpickler):
    """A normal unpickler (weights_only=False) that maps torch's names onto jtorch."""

    def __init__(self, file, persistent_load, **kwargs):
        super().__init__(file, **kwargs)
        self._pl = persistent_load

    def persistent_load(self, pid):
        """Storages by torch's persistent id."""
        return self._pl(pid)

    def find_class(self, module, name):
        """torch.* globals resolve to their jtorch counterparts."""
        module, name = _fix_name(module, name)
        obj = resolve_global(module, name)
        return obj if obj is not None else super().find_class(module, name)
