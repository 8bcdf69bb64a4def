// support/code_writer.h: indentation follows nesting, scopes close their blocks, unbalanced use is
// an error rather than silently wrong text.
#include <gtest/gtest.h>

#include <stdexcept>

#include "support/code_writer.h"

using modelc::support::CodeWriter;

TEST(CodeWriter, NestedScopesIndentAndClose) {
  CodeWriter w;
  {
    auto f = w.block("int f(int x)");
    {
      auto b = w.block("if (x > 0)");
      w.line("return 1;");
    }
    w.line("return 0;");
  }
  {
    auto s = w.block("struct s", ";");
    w.line("int a;");
  }
  EXPECT_EQ(w.take(), "int f(int x) {\n  if (x > 0) {\n    return 1;\n  }\n  return 0;\n}\nstruct s {\n  int a;\n};\n");
  EXPECT_EQ(w.depth(), 0);
}

TEST(CodeWriter, LinesKeepRelativeIndentationAndNoTrailingSpaces) {
  CodeWriter w(4);
  w.open("void g()");
  w.lines("a();\nif (b)\n  c();\n\nd();");
  w.close();
  EXPECT_EQ(w.take(), "void g() {\n    a();\n    if (b)\n      c();\n\n    d();\n}\n");
}

TEST(CodeWriter, UnbalancedUseIsAnError) {
  CodeWriter w;
  EXPECT_THROW(w.close(), std::logic_error);
  w.open("void h()");
  EXPECT_THROW(w.take(), std::logic_error);
  w.close();
  EXPECT_EQ(w.take(), "void h() {\n}\n");
}
