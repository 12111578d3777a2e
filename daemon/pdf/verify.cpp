#include "pdf/verify.h"

#include "common/file.h"
#include "common/utf8.h"

#include "crypto/sha256.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <functional>
#include <iterator>
#include <sstream>
#include <string_view>

namespace kinvault::pdf {

namespace {

// Bounds that keep a hostile file from costing much: nesting, sizes and how many candidates are tried.
constexpr int k_max_depth = 32;
constexpr std::size_t k_max_entries = 4096; // per array or dictionary
constexpr std::size_t k_max_string =
    4 * 1024 * 1024; // bytes of one string (a /Contents hex string is 2x DER)
constexpr std::size_t k_max_dict_span = 8 * 1024 * 1024;
constexpr std::size_t k_max_signatures = 256;
constexpr int k_max_dict_candidates = 16;
constexpr int k_max_parent_depth = 8;
constexpr std::size_t k_max_file = std::size_t{2} * 1024 * 1024 * 1024;

bool is_whitespace(std::uint8_t c) {
    // ISO 32000-1 §7.2.2, Table 1.
    return c == 0x00 || c == 0x09 || c == 0x0A || c == 0x0C || c == 0x0D || c == 0x20;
}

bool is_delimiter(std::uint8_t c) {
    // ISO 32000-1 §7.2.2, Table 2.
    return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' || c == '}' ||
           c == '/' || c == '%';
}

bool is_regular(std::uint8_t c) {
    return !is_whitespace(c) && !is_delimiter(c);
}
bool is_digit(std::uint8_t c) {
    return c >= '0' && c <= '9';
}

int hex_value(std::uint8_t c) {
    return hex_digit_value(c);
}

// A parsed PDF object with the byte span it came from.
struct Value {
    enum class Type { null, boolean, integer, real, name, string, array, dictionary, reference };
    Type type{Type::null};
    std::int64_t integer{0}; // integer, boolean, reference object number
    std::int64_t generation{0};
    std::string text; // name (decoded, without '/') or string bytes (decoded)
    bool hex{false};  // string was written as <hex>
    std::size_t begin{0};
    std::size_t end{0};
    std::vector<Value> items;             // array items or dictionary values
    std::vector<std::string> keys;        // dictionary keys
    std::vector<std::size_t> key_offsets; // where each key's '/' is in the file

    const Value* get(std::string_view key) const {
        for (std::size_t i = 0; i < keys.size(); ++i) {
            if (keys[i] == key) {
                return &items[i];
            }
        }
        return nullptr;
    }
};

// Bytes the lexer may read in one verification, so a file built to make the scan retry large objects many
// times ends with a reported problem instead of minutes of work.
struct Budget {
    std::size_t remaining;
    bool exhausted{false};
};

// Recursive-descent reader for one PDF object (ISO 32000-1 §7.3), every read bounded by `limit`.
class Lexer {
public:
    Lexer(const Bytes& data, std::size_t pos, std::size_t limit, Budget& budget)
        : m_data(data), m_pos(pos), m_limit(std::min(limit, data.size())), m_budget(budget) {
        if (m_limit > m_pos && m_limit - m_pos > budget.remaining) {
            m_limit = m_pos + budget.remaining;
            m_budget_limited = true;
        }
    }

    bool parse(Value& out) {
        const std::size_t start = m_pos;
        const bool ok = parse_value(out, 0);
        if (!ok && m_budget_limited && m_pos >= m_limit) {
            m_budget.exhausted = true;
        }
        m_budget.remaining -= std::min(m_pos - start, m_budget.remaining);
        return ok;
    }
    std::size_t pos() const { return m_pos; }

private:
    bool at_end() const { return m_pos >= m_limit; }
    std::uint8_t peek(std::size_t ahead = 0) const {
        return m_pos + ahead < m_limit ? m_data[m_pos + ahead] : std::uint8_t{0};
    }
    bool has(std::size_t ahead) const { return m_pos + ahead < m_limit; }

    void skip_space() {
        while (!at_end()) {
            const std::uint8_t c = m_data[m_pos];
            if (is_whitespace(c)) {
                ++m_pos;
            } else if (c == '%') {
                while (!at_end() && m_data[m_pos] != '\n' && m_data[m_pos] != '\r') {
                    ++m_pos;
                }
            } else {
                break;
            }
        }
    }

    bool parse_value(Value& out, int depth) {
        if (depth > k_max_depth) {
            return false;
        }
        skip_space();
        if (at_end()) {
            return false;
        }
        out = Value{};
        out.begin = m_pos;
        const std::uint8_t c = peek();
        bool ok = false;
        if (c == '/') {
            out.type = Value::Type::name;
            ok = parse_name(out.text);
        } else if (c == '(') {
            out.type = Value::Type::string;
            ok = parse_literal(out.text);
        } else if (c == '<' && has(1) && peek(1) == '<') {
            out.type = Value::Type::dictionary;
            ok = parse_dictionary(out, depth);
        } else if (c == '<') {
            out.type = Value::Type::string;
            out.hex = true;
            ok = parse_hex(out.text);
        } else if (c == '[') {
            out.type = Value::Type::array;
            ok = parse_array(out, depth);
        } else if (is_digit(c) || c == '+' || c == '-' || c == '.') {
            ok = parse_number_or_reference(out);
        } else if (is_regular(c)) {
            std::string word;
            while (!at_end() && is_regular(peek()) && word.size() < 8) {
                word.push_back(static_cast<char>(peek()));
                ++m_pos;
            }
            if (word == "true" || word == "false") {
                out.type = Value::Type::boolean;
                out.integer = word == "true" ? 1 : 0;
                ok = true;
            } else if (word == "null") {
                out.type = Value::Type::null;
                ok = true;
            }
        }
        out.end = m_pos;
        return ok;
    }

    bool parse_name(std::string& out) {
        ++m_pos; // '/'
        while (!at_end() && is_regular(peek())) {
            std::uint8_t c = peek();
            if (c == '#' && has(2) && hex_value(peek(1)) >= 0 && hex_value(peek(2)) >= 0) {
                c = static_cast<std::uint8_t>(hex_value(peek(1)) * 16 + hex_value(peek(2)));
                m_pos += 2;
            }
            out.push_back(static_cast<char>(c));
            ++m_pos;
            if (out.size() > 256) {
                return false;
            }
        }
        return true;
    }

    bool parse_literal(std::string& out) {
        ++m_pos; // '('
        int nesting = 1;
        while (!at_end()) {
            std::uint8_t c = peek();
            ++m_pos;
            if (c == '\\') {
                if (at_end()) {
                    return false;
                }
                const std::uint8_t e = peek();
                ++m_pos;
                switch (e) {
                case 'n':
                    c = '\n';
                    break;
                case 'r':
                    c = '\r';
                    break;
                case 't':
                    c = '\t';
                    break;
                case 'b':
                    c = '\b';
                    break;
                case 'f':
                    c = '\f';
                    break;
                case '\r':
                    if (!at_end() && peek() == '\n') {
                        ++m_pos;
                    }
                    continue;
                case '\n':
                    continue;
                default:
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int i = 0; i < 2 && !at_end() && peek() >= '0' && peek() <= '7'; ++i) {
                            v = v * 8 + (peek() - '0');
                            ++m_pos;
                        }
                        c = static_cast<std::uint8_t>(v & 0xFF);
                    } else {
                        c = e;
                    }
                }
            } else if (c == '(') {
                ++nesting;
            } else if (c == ')') {
                if (--nesting == 0) {
                    return true;
                }
            }
            out.push_back(static_cast<char>(c));
            if (out.size() > k_max_string) {
                return false;
            }
        }
        return false;
    }

    bool parse_hex(std::string& out) {
        ++m_pos; // '<'
        int high = -1;
        while (!at_end()) {
            const std::uint8_t c = peek();
            ++m_pos;
            if (c == '>') {
                if (high >= 0) {
                    out.push_back(
                        static_cast<char>(high << 4)); // odd digit count: last digit is followed by 0
                }
                return true;
            }
            if (is_whitespace(c)) {
                continue;
            }
            const int v = hex_value(c);
            if (v < 0) {
                return false;
            }
            if (high < 0) {
                high = v;
            } else {
                out.push_back(static_cast<char>(high << 4 | v));
                high = -1;
                if (out.size() > k_max_string) {
                    return false;
                }
            }
        }
        return false;
    }

    bool parse_dictionary(Value& out, int depth) {
        m_pos += 2; // "<<"
        while (true) {
            skip_space();
            if (at_end()) {
                return false;
            }
            if (peek() == '>' && has(1) && peek(1) == '>') {
                m_pos += 2;
                return true;
            }
            if (peek() != '/' || out.keys.size() >= k_max_entries) {
                return false;
            }
            const std::size_t key_at = m_pos;
            std::string key;
            if (!parse_name(key)) {
                return false;
            }
            Value value;
            if (!parse_value(value, depth + 1)) {
                return false;
            }
            out.keys.push_back(std::move(key));
            out.key_offsets.push_back(key_at);
            out.items.push_back(std::move(value));
        }
    }

    bool parse_array(Value& out, int depth) {
        ++m_pos; // '['
        while (true) {
            skip_space();
            if (at_end()) {
                return false;
            }
            if (peek() == ']') {
                ++m_pos;
                return true;
            }
            if (out.items.size() >= k_max_entries) {
                return false;
            }
            Value item;
            if (!parse_value(item, depth + 1)) {
                return false;
            }
            out.items.push_back(std::move(item));
        }
    }

    bool read_unsigned(std::int64_t& out) {
        if (at_end() || !is_digit(peek())) {
            return false;
        }
        std::int64_t v = 0;
        int digits = 0;
        while (!at_end() && is_digit(peek())) {
            if (++digits > 18) {
                return false;
            }
            v = v * 10 + (peek() - '0');
            ++m_pos;
        }
        out = v;
        return true;
    }

    bool parse_number_or_reference(Value& out) {
        bool negative = false;
        if (peek() == '+' || peek() == '-') {
            negative = peek() == '-';
            ++m_pos;
        }
        std::int64_t whole = 0;
        const bool has_whole = read_unsigned(whole);
        if (!at_end() && peek() == '.') {
            ++m_pos;
            std::int64_t fraction = 0;
            const bool has_fraction = read_unsigned(fraction);
            if (!has_whole && !has_fraction) {
                return false;
            }
            out.type = Value::Type::real; // value unused: no real number matters for verification
            return true;
        }
        if (!has_whole) {
            return false;
        }
        out.type = Value::Type::integer;
        out.integer = negative ? -whole : whole;
        if (negative) {
            return true;
        }
        // "num gen R" is a reference (ISO 32000-1 §7.3.10).
        const std::size_t save = m_pos;
        skip_space();
        std::int64_t generation = 0;
        if (read_unsigned(generation)) {
            skip_space();
            if (!at_end() && peek() == 'R' && (!has(1) || !is_regular(peek(1)))) {
                ++m_pos;
                out.type = Value::Type::reference;
                out.generation = generation;
                return true;
            }
        }
        m_pos = save;
        return true;
    }

    const Bytes& m_data;
    std::size_t m_pos;
    std::size_t m_limit;
    Budget& m_budget;
    bool m_budget_limited{false};
};

std::size_t find_forward(const Bytes& data, std::string_view needle, std::size_t from) {
    if (from >= data.size()) {
        return std::string_view::npos;
    }
    const auto it = std::search(data.begin() + static_cast<std::ptrdiff_t>(from), data.end(),
                                std::boyer_moore_horspool_searcher(needle.begin(), needle.end()));
    return it == data.end() ? std::string_view::npos : static_cast<std::size_t>(it - data.begin());
}

std::vector<std::size_t> find_all(const Bytes& data, std::string_view needle, std::size_t cap) {
    std::vector<std::size_t> out;
    for (std::size_t pos = find_forward(data, needle, 0); pos != std::string_view::npos && out.size() < cap;
         pos = find_forward(data, needle, pos + 1)) {
        out.push_back(pos);
    }
    return out;
}

// The dictionary that has `key_at` as one of its own (top-level) keys: tries the "<<" openings before it,
// nearest first.
std::optional<Value> enclosing_dictionary(const Bytes& data, std::size_t key_at, Budget& budget) {
    std::size_t pos = key_at;
    const std::size_t floor = key_at > k_max_dict_span ? key_at - k_max_dict_span : 0;
    for (int tries = 0; tries < k_max_dict_candidates && pos >= floor + 2;) {
        --pos;
        if (data[pos] != '<' || data[pos - 1] != '<') {
            continue;
        }
        ++tries;
        const std::size_t start = pos - 1;
        if (budget.remaining == 0) {
            budget.exhausted = true;
            return std::nullopt;
        }
        Lexer lexer(data, start, std::min(data.size(), key_at + k_max_dict_span), budget);
        Value value;
        if (lexer.parse(value) && value.type == Value::Type::dictionary &&
            std::find(value.key_offsets.begin(), value.key_offsets.end(), key_at) !=
                value.key_offsets.end()) {
            return value;
        }
        if (pos < floor + 2) {
            break;
        }
    }
    return std::nullopt;
}

// "num gen obj" right before `dict_begin`, if the dictionary is an indirect object's value.
std::optional<std::pair<std::int64_t, std::int64_t>> object_id_before(const Bytes& data,
                                                                      std::size_t dict_begin) {
    std::size_t p = dict_begin;
    auto skip_back_space = [&] {
        while (p > 0 && is_whitespace(data[p - 1])) {
            --p;
        }
    };
    auto read_back_number = [&](std::int64_t& out) {
        std::size_t digits = 0;
        while (p > 0 && is_digit(data[p - 1]) && digits < 18) {
            --p;
            ++digits;
        }
        if (digits == 0) {
            return false;
        }
        std::int64_t v = 0;
        for (std::size_t i = 0; i < digits; ++i) {
            v = v * 10 + (data[p + i] - '0');
        }
        out = v;
        return true;
    };
    skip_back_space();
    if (p < 3 || data[p - 3] != 'o' || data[p - 2] != 'b' || data[p - 1] != 'j') {
        return std::nullopt;
    }
    p -= 3;
    skip_back_space();
    std::int64_t generation = 0;
    std::int64_t number = 0;
    if (!read_back_number(generation)) {
        return std::nullopt;
    }
    skip_back_space();
    if (!read_back_number(number)) {
        return std::nullopt;
    }
    return std::make_pair(number, generation);
}

// The value of the last "num gen obj" in the file (the latest revision of that object), if a dictionary.
std::optional<Value> find_object(const Bytes& data, std::int64_t number, std::int64_t generation,
                                 Budget& budget) {
    const std::string header = std::to_string(number) + " " + std::to_string(generation) + " obj";
    std::optional<Value> found;
    for (std::size_t pos = find_forward(data, header, 0); pos != std::string_view::npos;
         pos = find_forward(data, header, pos + 1)) {
        if (pos > 0 && is_regular(data[pos - 1])) {
            continue; // "12 0 obj" inside "112 0 obj"
        }
        Lexer lexer(data, pos + header.size(), std::min(data.size(), pos + header.size() + k_max_dict_span),
                    budget);
        Value value;
        if (lexer.parse(value) && value.type == Value::Type::dictionary) {
            found = std::move(value);
        }
    }
    return found;
}

// PDF text string to UTF-8 (ISO 32000-1 §7.9.2.2): UTF-16BE with BOM, UTF-8 with BOM (PDF 2.0), else
// PDFDocEncoding, approximated here by Latin-1 for the printable range.
std::string text_to_utf8(const std::string& raw) {
    const auto append_code_point = [](std::string& out, std::uint32_t cp) {
        utf8::append(out, static_cast<char32_t>(cp));
    };
    std::string out;
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(raw[i]); };
    if (raw.size() >= 2 && byte(0) == 0xFE && byte(1) == 0xFF) {
        for (std::size_t i = 2; i + 1 < raw.size(); i += 2) {
            std::uint32_t unit = static_cast<std::uint32_t>(byte(i) << 8 | byte(i + 1));
            if (unit >= 0xD800 && unit < 0xDC00 && i + 3 < raw.size()) {
                const std::uint32_t low = static_cast<std::uint32_t>(byte(i + 2) << 8 | byte(i + 3));
                if (low >= 0xDC00 && low < 0xE000) {
                    unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    i += 2;
                }
            }
            if (unit >= 0xD800 && unit < 0xE000) {
                unit = 0xFFFD;
            }
            append_code_point(out, unit);
        }
        return out;
    }
    if (raw.size() >= 3 && byte(0) == 0xEF && byte(1) == 0xBB && byte(2) == 0xBF) {
        return raw.substr(3);
    }
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const std::uint8_t c = byte(i);
        append_code_point(out, c >= 0x20 && c < 0x7F ? c : (c >= 0xA0 ? c : static_cast<std::uint32_t>('?')));
    }
    return out;
}

std::string string_entry(const Value& dict, std::string_view key) {
    const Value* v = dict.get(key);
    return v != nullptr && v->type == Value::Type::string ? text_to_utf8(v->text) : std::string();
}

std::string name_entry(const Value& dict, std::string_view key) {
    const Value* v = dict.get(key);
    return v != nullptr && v->type == Value::Type::name ? v->text : std::string();
}

// "D:YYYYMMDDHHmmSSOHH'mm'" (ISO 32000-1 §7.9.4) to Unix time; later fields optional.
std::optional<UnixTime> parse_pdf_date(const std::string& text) {
    std::string_view s = text;
    if (s.substr(0, 2) == "D:") {
        s.remove_prefix(2);
    }
    std::array<int, 6> fields{0, 1, 1, 0, 0, 0};
    const std::array<std::size_t, 6> widths{4, 2, 2, 2, 2, 2};
    std::size_t pos = 0;
    for (std::size_t f = 0; f < fields.size(); ++f) {
        if (pos + widths[f] > s.size() ||
            !std::all_of(s.begin() + static_cast<std::ptrdiff_t>(pos),
                         s.begin() + static_cast<std::ptrdiff_t>(pos + widths[f]),
                         [](char c) { return c >= '0' && c <= '9'; })) {
            if (f == 0) {
                return std::nullopt;
            }
            break;
        }
        fields[f] = std::stoi(std::string(s.substr(pos, widths[f])));
        pos += widths[f];
    }
    char utc[32];
    std::snprintf(utc, sizeof utc, "%04d-%02d-%02dT%02d:%02d:%02dZ", fields[0], fields[1], fields[2],
                  fields[3], fields[4], fields[5]);
    UnixTime t = 0;
    if (!parse_utc(utc, t)) {
        return std::nullopt;
    }
    if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        const int sign = s[pos] == '+' ? 1 : -1;
        int hours = 0;
        int minutes = 0;
        if (pos + 3 <= s.size() && std::isdigit(static_cast<unsigned char>(s[pos + 1])) &&
            std::isdigit(static_cast<unsigned char>(s[pos + 2]))) {
            hours = std::stoi(std::string(s.substr(pos + 1, 2)));
            std::size_t m = pos + 3;
            if (m < s.size() && s[m] == '\'') {
                ++m;
            }
            if (m + 2 <= s.size() && std::isdigit(static_cast<unsigned char>(s[m])) &&
                std::isdigit(static_cast<unsigned char>(s[m + 1]))) {
                minutes = std::stoi(std::string(s.substr(m, 2)));
            }
        }
        t -= sign * (hours * 3600 + minutes * 60);
    }
    return t;
}

// Length of the BER object at the start of `data` (definite or indefinite lengths, X.690 §8.1), so the
// zero padding after the CMS in /Contents can be cut off exactly.
std::optional<std::size_t> ber_length(const std::uint8_t* data, std::size_t size, int depth = 0) {
    if (depth > 64 || size < 2) {
        return std::nullopt;
    }
    std::size_t pos = 0;
    const bool constructed = (data[pos] & 0x20) != 0;
    if ((data[pos++] & 0x1F) == 0x1F) { // high tag number form
        int n = 0;
        while (pos < size && (data[pos] & 0x80) != 0 && ++n < 5) {
            ++pos;
        }
        if (pos >= size || n >= 5) {
            return std::nullopt;
        }
        ++pos;
    }
    if (pos >= size) {
        return std::nullopt;
    }
    const std::uint8_t first = data[pos++];
    if (first < 0x80) {
        return pos + first <= size ? std::optional<std::size_t>(pos + first) : std::nullopt;
    }
    if (first == 0x80) {
        if (!constructed) {
            return std::nullopt;
        }
        while (true) { // contents until end-of-contents (00 00)
            if (pos + 2 > size) {
                return std::nullopt;
            }
            if (data[pos] == 0 && data[pos + 1] == 0) {
                return pos + 2;
            }
            const auto child = ber_length(data + pos, size - pos, depth + 1);
            if (!child) {
                return std::nullopt;
            }
            pos += *child;
        }
    }
    const int octets = first & 0x7F;
    if (octets > 4 || pos + static_cast<std::size_t>(octets) > size) {
        return std::nullopt;
    }
    std::size_t length = 0;
    for (int i = 0; i < octets; ++i) {
        length = length << 8 | data[pos++];
    }
    if (length > size - pos) {
        return std::nullopt;
    }
    return pos + length;
}

struct EofMarker {
    std::size_t end; // offset just after "%%EOF" and its end-of-line
};

std::vector<EofMarker> eof_markers(const Bytes& data) {
    std::vector<EofMarker> out;
    for (const std::size_t pos : find_all(data, "%%EOF", 100000)) {
        std::size_t end = pos + 5;
        if (end < data.size() && data[end] == '\r') {
            ++end;
        }
        if (end < data.size() && data[end] == '\n') {
            ++end;
        }
        out.push_back({end});
    }
    return out;
}

bool ends_a_revision(const Bytes& data, std::uint64_t end) {
    // The covered bytes must end with "%%EOF" (plus end-of-line), i.e. be a complete revision.
    std::size_t p = static_cast<std::size_t>(end);
    while (p > 0 && (data[p - 1] == '\n' || data[p - 1] == '\r' || data[p - 1] == ' ')) {
        --p;
    }
    return p >= 5 && std::equal(data.begin() + static_cast<std::ptrdiff_t>(p - 5),
                                data.begin() + static_cast<std::ptrdiff_t>(p), "%%EOF");
}

std::string field_name_for(const Bytes& data, const Value& sig_dict, Budget& budget) {
    const auto id = object_id_before(data, sig_dict.begin);
    std::optional<Value> field;
    if (id) {
        // The field (often merged with its widget) refers to the signature dictionary with /V num gen R.
        for (const std::size_t at : find_all(data, "/V", 1000000)) {
            if (at + 2 < data.size() && is_regular(data[at + 2])) {
                continue; // "/Version", "/VP" ...
            }
            Lexer lexer(data, at + 2, std::min(data.size(), at + 64), budget);
            Value v;
            if (!lexer.parse(v) || v.type != Value::Type::reference || v.integer != id->first ||
                v.generation != id->second) {
                continue;
            }
            if (auto dict = enclosing_dictionary(data, at, budget)) {
                field = std::move(dict); // keep the last: the latest revision wins
            }
        }
    }
    if (!field) {
        return {};
    }
    // Fully qualified name: the /T of each ancestor joined with '.' (ISO 32000-1 §12.7.3.2).
    std::string name = string_entry(*field, "T");
    const Value* parent = field->get("Parent");
    for (int depth = 0;
         parent != nullptr && parent->type == Value::Type::reference && depth < k_max_parent_depth; ++depth) {
        auto parent_dict = find_object(data, parent->integer, parent->generation, budget);
        if (!parent_dict) {
            break;
        }
        const std::string part = string_entry(*parent_dict, "T");
        if (!part.empty()) {
            name = part + "." + name;
        }
        field = std::move(parent_dict);
        parent = field->get("Parent");
    }
    return name;
}

bool read_byte_range(const Value& dict, ByteRange& out) {
    const Value* v = dict.get("ByteRange");
    if (v == nullptr || v->type != Value::Type::array || v->items.size() != 4) {
        return false;
    }
    std::array<std::uint64_t, 4> n{};
    for (std::size_t i = 0; i < 4; ++i) {
        if (v->items[i].type != Value::Type::integer || v->items[i].integer < 0) {
            return false;
        }
        n[i] = static_cast<std::uint64_t>(v->items[i].integer);
    }
    out = ByteRange{n[0], n[1], n[2], n[3]};
    return true;
}

SignatureReport check_signature(const Bytes& data, const Value& dict, const VerifyOptions& options,
                                Budget& budget) {
    SignatureReport report;
    report.sub_filter = name_entry(dict, "SubFilter");
    report.name_entry = string_entry(dict, "Name");
    report.reason = string_entry(dict, "Reason");
    report.signing_time_text = string_entry(dict, "M");
    report.signing_time = parse_pdf_date(report.signing_time_text);
    report.field_name = field_name_for(data, dict, budget);

    const auto fail = [&](std::string why) {
        report.problems.push_back(std::move(why));
        report.ok = false;
        return report;
    };
    if (!read_byte_range(dict, report.byte_range)) {
        return fail("/ByteRange is not an array of four non-negative integers");
    }
    const ByteRange& r = report.byte_range;
    const std::uint64_t size = data.size();
    if (r.start1 != 0 || r.length1 > size || r.start2 < r.length1 || r.start2 > size ||
        r.length2 > size - r.start2) {
        return fail("/ByteRange lies outside the file");
    }
    report.revision_end = r.start2 + r.length2;
    report.covers_whole_file = report.revision_end == size;

    // The one gap must be exactly this dictionary's /Contents hex string, '<' to '>' (ISO 32000-1 §12.8.1).
    const Value* contents = dict.get("Contents");
    if (contents == nullptr || contents->type != Value::Type::string || !contents->hex) {
        return fail("/Contents is not a hex string");
    }
    if (contents->begin != r.length1 || contents->end != r.start2) {
        return fail("/ByteRange does not exclude exactly the signature's /Contents");
    }
    if (!ends_a_revision(data, report.revision_end)) {
        report.problems.push_back("the signed bytes do not end at a revision boundary (%%EOF)");
    }

    const bool cades = report.sub_filter == "ETSI.CAdES.detached";
    if (!cades && report.sub_filter != "adbe.pkcs7.detached") {
        return fail("unsupported signature type /" + report.sub_filter);
    }
    const auto* der_begin = reinterpret_cast<const std::uint8_t*>(contents->text.data());
    const auto der_size = ber_length(der_begin, contents->text.size());
    if (!der_size) {
        return fail("/Contents does not hold a DER object");
    }
    const Bytes der(der_begin, der_begin + *der_size);

    crypto::Sha256 hash;
    hash.update(data.data() + r.start1, static_cast<std::size_t>(r.length1));
    hash.update(data.data() + r.start2, static_cast<std::size_t>(r.length2));
    const crypto::Digest digest = hash.finish();

    crypto::CmsVerifyOptions cms_options;
    cms_options.trusted_roots_pem = options.trusted_roots_pem;
    cms_options.validation_time = options.validation_time;
    auto cms = crypto::cms_verify(der, digest, cms_options);
    if (!cms) {
        return fail(cms.error().message);
    }
    report.signer_name = cms->signer.common_name;
    report.signer_email = cms->signer.email;
    for (const auto& problem : cms->problems) {
        report.problems.push_back(problem);
    }
    // PAdES baseline requires the ESS signing-certificate-v2 attribute (ETSI EN 319 142-1 §5.3).
    if (cades && !cms->signing_certificate_present) {
        report.problems.push_back("ETSI.CAdES.detached signature without signing-certificate-v2");
    }
    report.ok = cms->ok() && report.problems.empty();
    report.cms = std::move(*cms);
    return report;
}

std::string yes_no_check(const char* label, crypto::CheckState state) {
    return std::string(label) + " " + crypto::to_string(state);
}

} // namespace

Result<VerifyReport> verify_pdf(const Bytes& pdf, const VerifyOptions& options) {
    if (pdf.size() < 8 ||
        find_forward(Bytes(pdf.begin(), pdf.begin() + std::min<std::size_t>(pdf.size(), 1024)), "%PDF-", 0) ==
            std::string_view::npos) {
        return make_error(Errc::unsupported_media, "not a PDF (no %PDF- header)");
    }
    VerifyReport report;
    report.file_size = pdf.size();
    report.chain_checked = !options.trusted_roots_pem.empty();
    const auto markers = eof_markers(pdf);
    report.revision_count = static_cast<int>(markers.size());

    // Generous for real files (each signature dictionary is read a few times), small for crafted ones.
    Budget budget{64 * pdf.size() + 64 * 1024 * 1024};
    try {
        std::vector<ByteRange> seen;
        const auto candidates = find_all(pdf, "/ByteRange", k_max_signatures + 1);
        if (candidates.size() > k_max_signatures) {
            report.problems.push_back("too many signature dictionaries; only the first " +
                                      std::to_string(k_max_signatures) + " were checked");
        }
        for (std::size_t i = 0; i < std::min(candidates.size(), k_max_signatures); ++i) {
            if (candidates[i] + 10 < pdf.size() && is_regular(pdf[candidates[i] + 10])) {
                continue;
            }
            auto dict = enclosing_dictionary(pdf, candidates[i], budget);
            if (!dict) {
                report.problems.push_back("a /ByteRange at offset " + std::to_string(candidates[i]) +
                                          " is not inside a readable dictionary");
                continue;
            }
            SignatureReport sig = check_signature(pdf, *dict, options, budget);
            // A later revision may repeat an earlier signature dictionary; its /ByteRange then points at the
            // original /Contents, so the copy is the same signature.
            if (std::find(seen.begin(), seen.end(), sig.byte_range) != seen.end() &&
                !(sig.byte_range == ByteRange{})) {
                continue;
            }
            seen.push_back(sig.byte_range);
            for (std::size_t m = 0; m < markers.size(); ++m) {
                if (markers[m].end <= sig.revision_end + 2 && sig.revision_end > 0) {
                    sig.revision = static_cast<int>(m + 1);
                }
            }
            report.signatures.push_back(std::move(sig));
        }
    } catch (const std::exception& e) {
        report.problems.push_back(std::string("verification stopped: ") + e.what());
    }

    if (budget.exhausted) {
        report.problems.push_back("the file is too complex to scan completely");
    }
    std::stable_sort(report.signatures.begin(), report.signatures.end(),
                     [](const auto& a, const auto& b) { return a.revision_end < b.revision_end; });

    bool all_ok = !report.signatures.empty();
    std::uint64_t last_end = 0;
    for (const auto& sig : report.signatures) {
        all_ok = all_ok && sig.ok;
        last_end = std::max(last_end, sig.revision_end);
    }
    if (report.signatures.empty()) {
        report.problems.push_back("the document has no signatures");
    } else {
        report.bytes_after_last_signature = report.file_size - last_end;
        const bool only_whitespace =
            std::all_of(pdf.begin() + static_cast<std::ptrdiff_t>(last_end), pdf.end(), is_whitespace);
        report.modified_after_last_signature = report.bytes_after_last_signature > 0 && !only_whitespace;
        if (report.modified_after_last_signature) {
            report.problems.push_back(
                std::to_string(report.bytes_after_last_signature) +
                " bytes were added after the last signature (the document changed after "
                "it was signed)");
        }
    }
    report.ok = all_ok && !report.modified_after_last_signature && report.problems.empty();
    return report;
}

Result<VerifyReport> verify_pdf_file(const std::string& pdf_path,
                                     const std::vector<std::string>& root_pem_paths,
                                     std::optional<UnixTime> validation_time) {
    VerifyOptions options;
    options.validation_time = validation_time;
    for (const auto& path : root_pem_paths) {
        auto pem = KV_TRY_VALUE(read_file(path, 1024 * 1024));
        auto certs = crypto::split_certificate_bundle(to_string(pem));
        if (!certs) {
            return make_error(Errc::invalid_input, path + ": " + certs.error().message);
        }
        options.trusted_roots_pem.insert(options.trusted_roots_pem.end(), certs->begin(), certs->end());
    }
    auto pdf = KV_TRY_VALUE(read_file(pdf_path, k_max_file));
    return verify_pdf(pdf, options);
}

std::string format_report(const VerifyReport& report) {
    std::ostringstream out;
    out << "File: " << report.file_size << " bytes, " << report.revision_count << " revision"
        << (report.revision_count == 1 ? "" : "s") << ", " << report.signatures.size() << " signature"
        << (report.signatures.size() == 1 ? "" : "s") << "\n";
    int index = 0;
    for (const auto& sig : report.signatures) {
        out << "\nSignature " << ++index
            << (sig.field_name.empty() ? "" : " (field \"" + sig.field_name + "\")") << "\n";
        out << "  Signer:     " << (sig.signer_name.empty() ? "(unknown)" : sig.signer_name)
            << (sig.signer_email.empty() ? "" : " <" + sig.signer_email + ">") << "\n";
        if (sig.cms && !sig.cms->signer.fingerprint.empty()) {
            out << "  Issuer:     " << sig.cms->signer.issuer << "\n";
            out << "  Serial:     " << sig.cms->signer.serial_hex << "\n";
            out << "  SHA-256:    " << sig.cms->signer.fingerprint << "\n";
        }
        out << "  Time:       "
            << (sig.signing_time ? format_utc(*sig.signing_time) + " (claimed by the signer, /M)" : "(none)")
            << "\n";
        out << "  Type:       " << (sig.sub_filter.empty() ? "(none)" : sig.sub_filter) << "\n";
        out << "  Covers:     revision " << sig.revision << ", bytes 0.." << sig.revision_end << " of "
            << report.file_size << (sig.covers_whole_file ? " (the whole file)" : "") << "\n";
        if (sig.cms) {
            out << "  Checks:     " << yes_no_check("message digest", sig.cms->message_digest) << ", "
                << yes_no_check("signature", sig.cms->signature) << ", "
                << yes_no_check("signing certificate", sig.cms->signing_certificate) << ", "
                << yes_no_check("chain", sig.cms->chain)
                << (sig.cms->chain_detail.empty() ? "" : " (" + sig.cms->chain_detail + ")") << "\n";
        }
        for (const auto& problem : sig.problems) {
            out << "  Problem:    " << problem << "\n";
        }
        out << "  Result:     " << (sig.ok ? "VALID" : "INVALID") << "\n";
    }
    out << "\n";
    if (!report.signatures.empty()) {
        out << "Changes after the last signature: "
            << (report.modified_after_last_signature
                    ? std::to_string(report.bytes_after_last_signature) + " bytes"
                    : std::string("none"))
            << "\n";
    }
    if (!report.chain_checked) {
        out << "Certificate chains were not checked (no trusted root given; use --ca ROOT.pem).\n";
    }
    for (const auto& problem : report.problems) {
        out << "Problem: " << problem << "\n";
    }
    out << "Overall: " << (report.ok ? "OK" : "FAILED") << "\n";
    return out.str();
}

} // namespace kinvault::pdf
