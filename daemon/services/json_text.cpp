#include "services/json_text.h"

#include <cstdio>

namespace kinvault::services {

std::string json_quote(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out.push_back('"');
    for (const char c : text) {
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
            if (static_cast<unsigned char>(c) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x",
                              static_cast<unsigned>(static_cast<unsigned char>(c)));
                out += buf;
            } else {
                out.push_back(c);
            }
        }
    }
    out.push_back('"');
    return out;
}

void JsonObjectWriter::key(std::string_view k) {
    if (!m_first) {
        m_out.push_back(',');
    }
    m_first = false;
    m_out += json_quote(k);
    m_out.push_back(':');
}

JsonObjectWriter& JsonObjectWriter::field(std::string_view k, std::string_view value) {
    key(k);
    m_out += json_quote(value);
    return *this;
}

JsonObjectWriter& JsonObjectWriter::field(std::string_view k, std::int64_t value) {
    key(k);
    m_out += std::to_string(value);
    return *this;
}

JsonObjectWriter& JsonObjectWriter::raw(std::string_view k, std::string_view json) {
    key(k);
    m_out += json;
    return *this;
}

} // namespace kinvault::services
