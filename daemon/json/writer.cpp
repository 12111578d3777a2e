#include "json/writer.h"

#include "common/utf8.h"

#include <array>
#include <charconv>
#include <cmath>

namespace kinvault::json {

void append_string(std::string& out, std::string_view text) {
    out += '"';
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto c = static_cast<unsigned char>(text[pos]);
        if (c >= 0x80) {
            const std::size_t start = pos;
            if (utf8::next(text, pos)) {
                out.append(text.substr(start, pos - start));
            } else {
                out += "\xEF\xBF\xBD"; // U+FFFD for the one byte that starts no valid sequence
                pos = start + 1;
            }
            continue;
        }
        ++pos;
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20) {
                constexpr std::string_view digits = "0123456789abcdef";
                out += "\\u00";
                out += digits[c >> 4];
                out += digits[c & 0x0F];
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    out += '"';
}

std::string quote(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    append_string(out, text);
    return out;
}

void Writer::before_value() {
    if (m_after_key) {
        m_after_key = false;
        return;
    }
    if (!m_first.empty()) {
        if (!m_first.back()) {
            m_out += ',';
        }
        m_first.back() = false;
    }
}

Writer& Writer::begin_object() {
    before_value();
    m_out += '{';
    m_first.push_back(true);
    return *this;
}

Writer& Writer::end_object() {
    m_out += '}';
    m_first.pop_back();
    return *this;
}

Writer& Writer::begin_array() {
    before_value();
    m_out += '[';
    m_first.push_back(true);
    return *this;
}

Writer& Writer::end_array() {
    m_out += ']';
    m_first.pop_back();
    return *this;
}

Writer& Writer::key(std::string_view name) {
    before_value();
    append_string(m_out, name);
    m_out += ':';
    m_after_key = true;
    return *this;
}

Writer& Writer::string(std::string_view text) {
    before_value();
    append_string(m_out, text);
    return *this;
}

Writer& Writer::integer(std::int64_t value) {
    before_value();
    m_out += std::to_string(value);
    return *this;
}

Writer& Writer::number(double value) {
    before_value();
    if (!std::isfinite(value)) {
        m_out += "null";
        return *this;
    }
    std::array<char, 64> buffer{};
    const auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    m_out.append(buffer.data(), error == std::errc{} ? end : buffer.data());
    return *this;
}

Writer& Writer::boolean(bool value) {
    before_value();
    m_out += value ? "true" : "false";
    return *this;
}

Writer& Writer::null() {
    before_value();
    m_out += "null";
    return *this;
}

Writer& Writer::raw(std::string_view json) {
    before_value();
    m_out += json;
    return *this;
}

void ObjectWriter::key(std::string_view k) {
    if (m_out.size() > 1) {
        m_out += ',';
    }
    append_string(m_out, k);
    m_out += ':';
}

ObjectWriter& ObjectWriter::field(std::string_view k, std::string_view value) {
    key(k);
    append_string(m_out, value);
    return *this;
}

ObjectWriter& ObjectWriter::field(std::string_view k, std::int64_t value) {
    key(k);
    m_out += std::to_string(value);
    return *this;
}

ObjectWriter& ObjectWriter::raw(std::string_view k, std::string_view json) {
    key(k);
    m_out += json;
    return *this;
}

} // namespace kinvault::json
