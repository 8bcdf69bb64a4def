"""Brian2 user functions with a C++ implementation -> IR expressions (docs/brian2.md "User functions").

The model IR has no user functions: a function whose C++ code is one self-contained definition
(double/float parameters, optional local constants, one ``return``; arithmetic and <cmath>
functions the IR has) is translated into an IR expression and inlined at every call. Arguments and
the result are Brian2 quantities whose C++ values are in SI base units, so arguments are divided by
their declared unit and the result multiplied by its unit: modelc then checks units of the call as
Brian2's ``check_units`` does. Anything else raises Untranslatable with the reason.
"""
import re

from brian2.units.fundamentalunits import get_dimensions


class Untranslatable(Exception):
    """Why a C++ implementation cannot become an IR expression."""


# <cmath> names -> IR functions (docs/ir-v2.md "Functions"), one argument each.
_MATH = {"sin": "sin", "cos": "cos", "tan": "tan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
         "asin": "arcsin", "acos": "arccos", "atan": "arctan", "exp": "exp", "log": "log",
         "log10": "log10", "sqrt": "sqrt", "fabs": "abs", "abs": "abs", "floor": "floor",
         "ceil": "ceil", "expm1": "expm1", "log1p": "log1p"}
_CONSTANTS = {"M_PI": "pi", "M_E": "e"}
_FLOAT_TYPES = ("double", "float")
_TOKEN = re.compile(r"\s*(?:(?P<num>(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?[fF]?|\d+[eE][+-]?\d+[fF]?|\d+)"
                    r"|(?P<id>[A-Za-z_]\w*(?:::\w+)*)|(?P<op>[-+*/(),])|(?P<bad>\S))")
_DEFINITION = re.compile(r"^\s*(?:(?:inline|static)\s+)*(?P<ret>\w+)\s+(?P<name>\w+)\s*\((?P<params>[^)]*)\)"
                         r"\s*\{(?P<body>.*)\}\s*$", re.S)
_LOCAL = re.compile(r"^(?:const\s+)?(?:double|float)\s+(?P<name>[A-Za-z_]\w*)\s*=(?P<expr>.*)$", re.S)


def _strip_comments(code):
    return re.sub(r"//[^\n]*", "", re.sub(r"/\*.*?\*/", "", code, flags=re.S))


class _Parser:
    """Recursive descent over one C++ expression; yields (IR text, is an integer expression)."""

    def __init__(self, text, names):
        self.tokens = []
        for m in _TOKEN.finditer(text):
            if m.group("bad"):
                raise Untranslatable("the operator or character %r" % m.group("bad"))
            kind = m.lastgroup
            self.tokens.append((kind, m.group(kind)))
        self.pos = 0
        self.names = names  # C++ name -> (IR text, is integer)

    def peek(self):
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected=None):
        if self.pos >= len(self.tokens):
            raise Untranslatable("an incomplete expression")
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise Untranslatable("%r where %r was expected" % (token[1], expected))
        self.pos += 1
        return token

    def parse(self):
        result = self.sum()
        if self.pos != len(self.tokens):
            raise Untranslatable("%r after the expression" % self.peek())
        return result

    def sum(self):
        text, is_int = self.product()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            rhs, rhs_int = self.product()
            text, is_int = "(%s %s %s)" % (text, op, rhs), is_int and rhs_int
        return text, is_int

    def product(self):
        text, is_int = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()[1]
            rhs, rhs_int = self.unary()
            if op == "/" and is_int and rhs_int:
                raise Untranslatable("an integer division (C++ truncates, the IR divides exactly)")
            text, is_int = "(%s %s %s)" % (text, op, rhs), is_int and rhs_int
        return text, is_int

    def unary(self):
        if self.peek() in ("-", "+"):
            op = self.take()[1]
            text, is_int = self.unary()
            return "(%s%s)" % (op, text), is_int
        return self.primary()

    def primary(self):
        kind, value = self.take()
        if kind == "num":
            if value[-1] in "fF":
                value = value[:-1]
            if re.fullmatch(r"\d+", value):
                return value, True
            return repr(float(value)), False  # "1." and ".5" in the IR's spelling
        if value == "(":
            result = self.sum()
            self.take(")")
            return result
        if kind != "id":
            raise Untranslatable("%r where a value was expected" % value)
        name = value[5:] if value.startswith("std::") else value
        if self.peek() == "(":
            self.take("(")
            args = [self.sum()]
            while self.peek() == ",":
                self.take(",")
                args.append(self.sum())
            self.take(")")
            if name == "pow" and len(args) == 2:
                return "(%s ** %s)" % (args[0][0], args[1][0]), False
            if name in _MATH and len(args) == 1:
                return "%s(%s)" % (_MATH[name], args[0][0]), False
            raise Untranslatable("the call of %r with %d argument(s) (the IR has %s and pow)"
                                 % (value, len(args), ", ".join(sorted(_MATH))))
        if name in self.names:
            return self.names[name]
        if name in _CONSTANTS:
            return _CONSTANTS[name], False
        raise Untranslatable("the name %r (neither a parameter nor a local constant)" % value)


def _unit_text(unit, dimension_text):
    dim = get_dimensions(unit)
    return None if dim.is_dimensionless else dimension_text(dim)


class InlineFunction:
    """One user function as an IR expression template: ``call(arguments)`` gives the IR text of a
    call with the arguments' IR texts."""

    def __init__(self, name, function, dimension_text):
        self.name = name
        impl = _cpp_implementation(function)
        if impl.dynamic:
            raise Untranslatable("its C++ implementation is generated per group (dynamic)")
        if impl.dependencies:
            raise Untranslatable("its C++ code depends on the functions %s"
                                 % ", ".join(sorted(impl.dependencies)))
        if impl.get_namespace(None):
            raise Untranslatable("its C++ code uses namespace values (%s)"
                                 % ", ".join(sorted(impl.get_namespace(None))))
        code = impl.get_code(None)
        if isinstance(code, dict):
            if set(code) - {"support_code"}:
                raise Untranslatable("its C++ code has the parts %s (only a function definition "
                                     "is translated)" % ", ".join(sorted(code)))
            code = code.get("support_code", "")
        if not isinstance(code, str):
            raise Untranslatable("its C++ code is a %s, not a code string" % type(code).__name__)
        if function._return_type != "float" or getattr(function, "_returns_bool", False):
            raise Untranslatable("it returns a %s value (only float results are translated)"
                                 % ("boolean" if function._returns_bool else function._return_type))
        if callable(function._return_unit):
            raise Untranslatable("its result unit depends on the arguments' units")
        arg_units = list(function._arg_units or [])
        for unit in arg_units:
            if unit is None or isinstance(unit, str):
                raise Untranslatable("an argument has no fixed unit (check_units with None or "
                                     "another argument's name)")
        for arg_type in function._arg_types:
            if arg_type not in ("any", "float"):
                raise Untranslatable("an argument has the type %r (only float arguments are "
                                     "translated)" % arg_type)
        cpp_name = impl.name or name
        self.template, self.arity = self._parse(_strip_comments(code), cpp_name)
        if self.arity != len(arg_units):
            raise Untranslatable("its C++ definition takes %d parameter(s), Brian2's declaration %d"
                                 % (self.arity, len(arg_units)))
        self.arg_units = [_unit_text(u, dimension_text) for u in arg_units]
        self.result_unit = _unit_text(function._return_unit, dimension_text)

    @staticmethod
    def _parse(code, cpp_name):
        m = _DEFINITION.match(code)
        if m is None:
            raise Untranslatable("its C++ code is not one function definition "
                                 "('double %s(double x) { return ...; }')" % cpp_name)
        if m.group("name") != cpp_name:
            raise Untranslatable("its C++ code defines %r, not %r" % (m.group("name"), cpp_name))
        if m.group("ret") not in _FLOAT_TYPES:
            raise Untranslatable("its C++ definition returns %r (double or float are translated)"
                                 % m.group("ret"))
        names = {}
        params = [p.strip() for p in m.group("params").split(",") if p.strip() and p.strip() != "void"]
        for index, param in enumerate(params):
            pm = re.fullmatch(r"(?:const\s+)?(double|float)\s+([A-Za-z_]\w*)", param)
            if pm is None:
                raise Untranslatable("the parameter %r (double or float parameters are translated)"
                                     % param)
            names[pm.group(2)] = ("\x00%d\x00" % index, False)
        statements = [s.strip() for s in m.group("body").split(";")]
        if statements and statements[-1] == "":
            statements.pop()
        if not statements or not statements[-1].startswith("return"):
            raise Untranslatable("its C++ body does not end with 'return ...;'")
        for statement in statements[:-1]:
            lm = _LOCAL.match(statement)
            if lm is None:
                raise Untranslatable("the statement %r (only 'double name = ...;' and one "
                                     "'return ...;' are translated)" % statement)
            text, is_int = _Parser(lm.group("expr"), names).parse()
            names[lm.group("name")] = ("(%s)" % text, False)
        returned = statements[-1][len("return"):]
        if not returned[:1].isspace() and not returned.startswith("("):
            raise Untranslatable("the statement %r" % statements[-1])
        text, _ = _Parser(returned, names).parse()
        return text, len(params)

    def call(self, args):
        if len(args) != self.arity:
            raise Untranslatable("it is called with %d argument(s), it takes %d" % (len(args), self.arity))
        text = self.template
        for index, (arg, unit) in enumerate(zip(args, self.arg_units)):
            value = "(%s)" % arg if unit is None else "((%s) / (%s))" % (arg, unit)
            text = text.replace("\x00%d\x00" % index, value)
        return "(%s)" % text if self.result_unit is None else "((%s) * (%s))" % (text, self.result_unit)


def _cpp_implementation(function):
    try:
        return function.implementations["cpp"]
    except KeyError:
        raise Untranslatable("it has no C++ implementation ('cpp'): the modelc device translates "
                             "user functions from their C++ code") from None


def inline_calls(text, functions):
    """``text`` with every call of a function of ``functions`` (name -> InlineFunction) replaced
    by its IR expression (arguments first, so nested calls work)."""
    pattern = re.compile(r"\b(%s)\s*\(" % "|".join(re.escape(n) for n in sorted(functions)))
    out, pos = [], 0
    while True:
        m = pattern.search(text, pos)
        if m is None:
            out.append(text[pos:])
            return "".join(out)
        depth, i, start, args = 1, m.end(), m.end(), []
        while depth:
            if i >= len(text):
                raise Untranslatable("an unbalanced call of %r" % m.group(1))
            c = text[i]
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            elif c == "," and depth == 1:
                args.append(text[start:i])
                start = i + 1
            i += 1
        last = text[start:i - 1]
        if last.strip() or args:
            args.append(last)
        args = [inline_calls(a.strip(), functions) for a in args]
        out.append(text[pos:m.start()])
        out.append(functions[m.group(1)].call(args))
        pos = i
