#include "json/value.h"

#include "common/utf8.h"

#include <charconv>
#include <cmath>
#include <set>

namespace kinvault::json {

Value Value::boolean(bool b) {
    Value v;
    v.m_kind = Kind::boolean;
    v.m_bool = b;
    return v;
}

Value Value::number(std::string literal) {
    Value v;
    v.m_kind = Kind::number;
    v.m_text = std::move(literal);
    return v;
}

Value Value::string(std::string text) {
    Value v;
    v.m_kind = Kind::string;
    v.m_text = std::move(text);
    return v;
}

Value Value::array(std::vector<Value> items) {
    Value v;
    v.m_kind = Kind::array;
    v.m_items = std::move(items);
    return v;
}

Value Value::object(std::vector<Member> members) {
    Value v;
    v.m_kind = Kind::object;
    v.m_members = std::move(members);
    return v;
}

bool Value::is_integer() const noexcept {
    return m_kind == Kind::number && m_text.find_first_of(".eE") == std::string::npos;
}

std::optional<std::int64_t> Value::as_int64() const noexcept {
    if (!is_integer()) {
        return std::nullopt;
    }
    std::int64_t out = 0;
    const char* end = m_text.data() + m_text.size();
    const auto [ptr, ec] = std::from_chars(m_text.data(), end, out);
    if (ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return out;
}

std::optional<double> Value::as_double() const noexcept {
    if (m_kind != Kind::number) {
        return std::nullopt;
    }
    double out = 0;
    const char* end = m_text.data() + m_text.size();
    const auto [ptr, ec] = std::from_chars(m_text.data(), end, out);
    if (ec != std::errc{} || ptr != end || !std::isfinite(out)) {
        return std::nullopt;
    }
    return out;
}

const Value* Value::find(std::string_view key) const noexcept {
    for (const auto& [k, v] : m_members) {
        if (k == key) {
            return &v;
        }
    }
    return nullptr;
}

std::string_view kind_name(Value::Kind kind) noexcept {
    switch (kind) {
    case Value::Kind::null:
        return "null";
    case Value::Kind::boolean:
        return "true or false";
    case Value::Kind::number:
        return "a number";
    case Value::Kind::string:
        return "a string";
    case Value::Kind::array:
        return "a list";
    case Value::Kind::object:
        return "an object";
    }
    return "a value";
}

std::string child_path(std::string_view path, std::string_view key) {
    std::string out(path);
    if (!out.empty()) {
        out += '.';
    }
    out += key;
    return out;
}

std::string element_path(std::string_view path, std::size_t index) {
    return std::string(path) + "[" + std::to_string(index) + "]";
}

namespace {

// Recursive descent over RFC 8259 §2-7. Recursion is bounded by Limits::max_depth.
class Parser {
public:
    Parser(std::string_view text, const Limits& limits) : m_text(text), m_limits(limits) {}

    Parsed run() {
        Parsed out;
        skip_space();
        auto v = value("", 0);
        if (v && (skip_space(), m_pos != m_text.size())) {
            fail("", "unexpected text after the JSON value");
            v.reset();
        }
        if (v) {
            out.value = std::move(v);
        } else {
            out.failure = std::move(m_failure);
        }
        return out;
    }

private:
    std::string_view m_text;
    const Limits& m_limits;
    std::size_t m_pos{0};
    Problem m_failure;

    void fail(std::string_view path, std::string problem) {
        if (m_failure.problem.empty()) {
            m_failure =
                Problem{std::string(path), std::move(problem) + " (at byte " + std::to_string(m_pos) + ")"};
        }
    }

    void skip_space() {
        while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' ||
                                         m_text[m_pos] == '\n' || m_text[m_pos] == '\r')) {
            ++m_pos;
        }
    }

    bool take(char c) {
        if (m_pos < m_text.size() && m_text[m_pos] == c) {
            ++m_pos;
            return true;
        }
        return false;
    }

    bool take_word(std::string_view word) {
        if (m_text.substr(m_pos, word.size()) == word) {
            m_pos += word.size();
            return true;
        }
        return false;
    }

    std::optional<Value> value(const std::string& path, std::size_t depth) {
        if (m_pos >= m_text.size()) {
            fail(path, "the JSON text ends where a value should be");
            return std::nullopt;
        }
        const char c = m_text[m_pos];
        if (c == '{' || c == '[') {
            if (depth >= m_limits.max_depth) {
                fail(path, "nested deeper than " + std::to_string(m_limits.max_depth) + " levels");
                return std::nullopt;
            }
            return c == '{' ? object(path, depth + 1) : array(path, depth + 1);
        }
        if (c == '"') {
            auto s = string(path);
            if (!s) {
                return std::nullopt;
            }
            return Value::string(std::move(*s));
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return number(path);
        }
        if (take_word("true")) {
            return Value::boolean(true);
        }
        if (take_word("false")) {
            return Value::boolean(false);
        }
        if (take_word("null")) {
            return Value{};
        }
        fail(path, "not valid JSON");
        return std::nullopt;
    }

    std::optional<Value> object(const std::string& path, std::size_t depth) {
        ++m_pos; // '{'
        std::vector<Value::Member> members;
        std::set<std::string, std::less<>> seen;
        skip_space();
        if (take('}')) {
            return Value::object(std::move(members));
        }
        while (true) {
            skip_space();
            if (m_pos >= m_text.size() || m_text[m_pos] != '"') {
                fail(path, "expected a key in quotes");
                return std::nullopt;
            }
            auto key = string(path);
            if (!key) {
                return std::nullopt;
            }
            const std::string here = child_path(path, *key);
            if (!seen.insert(*key).second) {
                fail(here, "the key appears twice");
                return std::nullopt;
            }
            skip_space();
            if (!take(':')) {
                fail(here, "expected ':' after the key");
                return std::nullopt;
            }
            skip_space();
            auto v = value(here, depth);
            if (!v) {
                return std::nullopt;
            }
            members.emplace_back(std::move(*key), std::move(*v));
            skip_space();
            if (take('}')) {
                return Value::object(std::move(members));
            }
            if (!take(',')) {
                fail(path, "expected ',' or '}'");
                return std::nullopt;
            }
        }
    }

    std::optional<Value> array(const std::string& path, std::size_t depth) {
        ++m_pos; // '['
        std::vector<Value> items;
        skip_space();
        if (take(']')) {
            return Value::array(std::move(items));
        }
        while (true) {
            skip_space();
            auto v = value(element_path(path, items.size()), depth);
            if (!v) {
                return std::nullopt;
            }
            items.push_back(std::move(*v));
            skip_space();
            if (take(']')) {
                return Value::array(std::move(items));
            }
            if (!take(',')) {
                fail(path, "expected ',' or ']'");
                return std::nullopt;
            }
        }
    }

    std::optional<unsigned> hex4() {
        if (m_text.size() - m_pos < 4) {
            return std::nullopt;
        }
        unsigned out = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = m_text[m_pos++];
            out <<= 4;
            if (c >= '0' && c <= '9') {
                out |= static_cast<unsigned>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                out |= static_cast<unsigned>(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                out |= static_cast<unsigned>(c - 'A' + 10);
            } else {
                return std::nullopt;
            }
        }
        return out;
    }

    std::optional<std::string> string(const std::string& path) {
        ++m_pos; // '"'
        std::string out;
        while (true) {
            if (m_pos >= m_text.size()) {
                fail(path, "a string is not closed");
                return std::nullopt;
            }
            const auto c = static_cast<unsigned char>(m_text[m_pos]);
            if (c == '"') {
                ++m_pos;
                return out;
            }
            if (c < 0x20) {
                fail(path, c == 0 ? "text may not contain NUL" : "a control character must be escaped");
                return std::nullopt;
            }
            if (c >= 0x80) {
                const std::size_t start = m_pos;
                if (!utf8::next(m_text, m_pos)) {
                    fail(path, "not valid UTF-8 text");
                    return std::nullopt;
                }
                out.append(m_text.substr(start, m_pos - start));
                continue;
            }
            ++m_pos;
            if (c != '\\') {
                out += static_cast<char>(c);
                continue;
            }
            if (m_pos >= m_text.size()) {
                fail(path, "a string is not closed");
                return std::nullopt;
            }
            const char e = m_text[m_pos++];
            switch (e) {
            case '"':
            case '\\':
            case '/':
                out += e;
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                auto unit = hex4();
                if (!unit) {
                    fail(path, "\\u must be followed by four hex digits");
                    return std::nullopt;
                }
                char32_t cp = *unit;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    // A high surrogate must be followed by an escaped low one (RFC 8259 §7).
                    std::optional<unsigned> low;
                    if (take('\\') && take('u')) {
                        low = hex4();
                    }
                    if (!low || *low < 0xDC00 || *low > 0xDFFF) {
                        fail(path, "a \\u escape is half of a surrogate pair");
                        return std::nullopt;
                    }
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (*low - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    fail(path, "a \\u escape is half of a surrogate pair");
                    return std::nullopt;
                } else if (cp == 0) {
                    fail(path, "text may not contain NUL");
                    return std::nullopt;
                }
                utf8::append(out, cp);
                break;
            }
            default:
                fail(path, "unknown escape in a string");
                return std::nullopt;
            }
        }
    }

    std::optional<Value> number(const std::string& path) {
        // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
        const std::size_t start = m_pos;
        auto digit = [&] { return m_pos < m_text.size() && m_text[m_pos] >= '0' && m_text[m_pos] <= '9'; };
        auto digits = [&] {
            if (!digit()) {
                return false;
            }
            while (digit()) {
                ++m_pos;
            }
            return true;
        };
        take('-');
        if (take('0')) {
            if (digit()) {
                fail(path, "a number may not start with 0");
                return std::nullopt;
            }
        } else if (!digits()) {
            fail(path, "not valid JSON");
            return std::nullopt;
        }
        if (take('.') && !digits()) {
            fail(path, "a number needs digits after '.'");
            return std::nullopt;
        }
        if (take('e') || take('E')) {
            if (!take('+')) {
                take('-');
            }
            if (!digits()) {
                fail(path, "a number needs digits in its exponent");
                return std::nullopt;
            }
        }
        Value v = Value::number(std::string(m_text.substr(start, m_pos - start)));
        if (!v.as_double()) {
            fail(path, "the number is out of range");
            return std::nullopt;
        }
        return v;
    }
};

} // namespace

Parsed parse(std::string_view text, const Limits& limits) {
    return Parser(text, limits).run();
}

Result<Value> parse_value(std::string_view text, std::string_view what, const Limits& limits) {
    auto parsed = parse(text, limits);
    if (!parsed.value) {
        std::string message(what);
        message += ": ";
        if (!parsed.failure.path.empty()) {
            message += parsed.failure.path + ": ";
        }
        message += parsed.failure.problem;
        return make_error(Errc::invalid_input, std::move(message));
    }
    return std::move(*parsed.value);
}

} // namespace kinvault::json
