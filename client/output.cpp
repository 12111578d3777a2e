#include "client/output.h"

#include <Poco/JSON/Stringifier.h>

#include <iostream>

namespace kinvault::client {

namespace {

// Display width of UTF-8 text (code points; good enough for the names Kinvault shows).
std::size_t width(const std::string& s) {
    std::size_t n = 0;
    for (const char c : s) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            ++n;
        }
    }
    return n;
}

} // namespace

int exit_code_for(Errc code) {
    switch (code) {
    case Errc::unauthenticated:
    case Errc::second_factor:
        return exit_auth;
    case Errc::not_found:
    case Errc::forbidden:
        return exit_not_found;
    case Errc::integrity:
        return exit_verify;
    case Errc::invalid_input:
    case Errc::conflict:
    case Errc::gone:
    case Errc::payload_too_large:
    case Errc::unsupported_media:
    case Errc::unprocessable:
    case Errc::rate_limited:
        return exit_rejected;
    case Errc::unavailable:
        return exit_unavailable;
    case Errc::internal:
        return exit_failed;
    }
    return exit_failed;
}

int report(const Error& error) {
    std::string message = error.message;
    for (char& c : message) {
        if (c == '\n') {
            c = ' ';
        }
    }
    std::cerr << "kinvault: " << message << "\n";
    return exit_code_for(error.code);
}

void Table::print() const {
    std::vector<std::size_t> widths(m_headers.size(), 0);
    for (std::size_t i = 0; i < m_headers.size(); ++i) {
        widths[i] = width(m_headers[i]);
    }
    for (const auto& r : m_rows) {
        for (std::size_t i = 0; i < r.size() && i < widths.size(); ++i) {
            widths[i] = std::max(widths[i], width(r[i]));
        }
    }
    auto line = [&](const std::vector<std::string>& cells) {
        std::string out;
        for (std::size_t i = 0; i < widths.size(); ++i) {
            const std::string cell = i < cells.size() ? cells[i] : "";
            out += cell;
            if (i + 1 < widths.size()) {
                out += std::string(widths[i] - width(cell) + 2, ' ');
            }
        }
        while (!out.empty() && out.back() == ' ') {
            out.pop_back();
        }
        std::cout << out << "\n";
    };
    line(m_headers);
    for (const auto& r : m_rows) {
        line(r);
    }
    if (m_rows.empty()) {
        std::cout << "(none)\n";
    }
}

void print_json(const Poco::JSON::Object::Ptr& obj) {
    Poco::JSON::Stringifier::stringify(obj, std::cout, 2);
    std::cout << "\n";
}

void print_json(const Poco::JSON::Array::Ptr& arr) {
    Poco::JSON::Stringifier::stringify(arr, std::cout, 2);
    std::cout << "\n";
}

std::string str(const Poco::JSON::Object::Ptr& obj, const std::string& key) {
    if (!obj || !obj->has(key) || obj->isNull(key)) {
        return "";
    }
    return obj->get(key).convert<std::string>();
}

Poco::JSON::Array::Ptr items(const Poco::JSON::Object::Ptr& obj) {
    if (obj && obj->has("items")) {
        return obj->getArray("items");
    }
    return new Poco::JSON::Array();
}

} // namespace kinvault::client
