// A parsed JSON document (RFC 8259) and the strict parser that makes one. Every boundary that reads JSON
// (HTTP request bodies, the PDF worker protocol) parses through here, so they refuse the same things:
//   - anything that is not exactly one JSON value (trailing text, a byte order mark, comments, NaN);
//   - a key that appears twice in one object (a reader that looked at the first could be smuggled the
//     second: parsers disagree on which one wins);
//   - nesting deeper than Limits::max_depth (a hostile body cannot make a reader recurse without end);
//   - text that is not UTF-8 by common/utf8.h, raw control characters, lone surrogate escapes, and NUL
//     (escaped or not: no value we carry may contain it, and C APIs downstream would cut text short);
//   - numbers outside a double's range.
// A failure names the path of the value at fault ("signers[1].capacity") and the problem.
#pragma once

#include "common/result.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kinvault::json {

class Value {
public:
    enum class Kind { null, boolean, number, string, array, object };
    using Member = std::pair<std::string, Value>;

    Value() = default;
    static Value boolean(bool b);
    // `literal` is the number as written (already checked against the JSON grammar).
    static Value number(std::string literal);
    static Value string(std::string text);
    static Value array(std::vector<Value> items);
    static Value object(std::vector<Member> members);

    [[nodiscard]] Kind kind() const noexcept { return m_kind; }
    [[nodiscard]] bool is_null() const noexcept { return m_kind == Kind::null; }

    [[nodiscard]] bool as_bool() const noexcept { return m_bool; }
    // The string's text, or a number's literal.
    [[nodiscard]] const std::string& text() const noexcept { return m_text; }
    // Written without fraction or exponent.
    [[nodiscard]] bool is_integer() const noexcept;
    [[nodiscard]] std::optional<std::int64_t> as_int64() const noexcept;
    [[nodiscard]] std::optional<double> as_double() const noexcept;
    [[nodiscard]] const std::vector<Value>& items() const noexcept { return m_items; }
    // In document order; keys are unique (the parser refuses duplicates).
    [[nodiscard]] const std::vector<Member>& members() const noexcept { return m_members; }
    [[nodiscard]] const Value* find(std::string_view key) const noexcept;

private:
    Kind m_kind{Kind::null};
    bool m_bool{false};
    std::string m_text;
    std::vector<Value> m_items;
    std::vector<Member> m_members;
};

// "expected a string, got null" reads better than a kind number.
[[nodiscard]] std::string_view kind_name(Value::Kind kind) noexcept;

struct Limits {
    // HTTP bodies nest a few levels; 32 leaves room for any honest document.
    std::size_t max_depth{32};
};

// One thing wrong with a document: where (a path such as "signers[1].capacity"; empty for the document as
// a whole) and what.
struct Problem {
    std::string path;
    std::string problem;
};

struct Parsed {
    std::optional<Value> value;
    Problem failure; // when !value
};

[[nodiscard]] Parsed parse(std::string_view text, const Limits& limits = {});

// As parse(), with a failure as Errc::invalid_input "<what>: <path>: <problem>".
[[nodiscard]] Result<Value> parse_value(std::string_view text, std::string_view what,
                                        const Limits& limits = {});

// Path arithmetic shared by the parser and the readers.
[[nodiscard]] std::string child_path(std::string_view path, std::string_view key);
[[nodiscard]] std::string element_path(std::string_view path, std::size_t index);

} // namespace kinvault::json
