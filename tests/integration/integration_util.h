// Small helpers shared by the integration tests: JSON access, SHA-256 of response bodies, PDF builders with
// a marker at a chosen byte offset, and audit-log queries over the API.
#pragma once

#include "daemon.h"

#include "crypto/sha256.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace kvtest {

inline std::string sha256_hex(const std::string& bytes) {
    return kinvault::crypto::to_hex(kinvault::crypto::sha256(bytes));
}

// The "items" array of a list answer.
inline Poco::JSON::Array::Ptr items_of(const Response& r) {
    INFO(r.status << " " << r.body);
    REQUIRE(r.status == 200);
    return r.json()->getArray("items");
}

inline std::string field(const Poco::JSON::Object::Ptr& o, const std::string& key) {
    return o->has(key) && !o->isNull(key) ? o->get(key).convert<std::string>() : std::string();
}

inline std::vector<std::string> ids_of(const Response& r, const std::string& key = "id") {
    std::vector<std::string> out;
    const auto items = items_of(r); // keeps the array alive for the loop
    for (const auto& v : *items) {
        out.push_back(field(v.extract<Poco::JSON::Object::Ptr>(), key));
    }
    return out;
}

inline bool contains(const std::vector<std::string>& haystack, const std::string& needle) {
    for (const auto& h : haystack) {
        if (h == needle) {
            return true;
        }
    }
    return false;
}

// A valid one-page PDF of at least `min_size` bytes whose page content shows `marker`, with the marker's
// first byte at `marker_offset` in the file (the space before it is a content-stream comment). The xref
// offsets are computed, so the file is well formed for any size.
inline std::string make_pdf_with_marker_at(const std::string& marker, std::size_t marker_offset,
                                           std::size_t min_size) {
    const std::string head = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
    std::vector<std::string> objects{
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R /Resources << /Font << /F1 3 0 "
        "R "
        ">> >> >>",
    };
    std::string prefix = head;
    std::vector<std::size_t> offsets;
    for (std::size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(prefix.size());
        prefix += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    offsets.push_back(prefix.size());
    // The stream dictionary's /Length has a fixed width, so the marker position does not depend on it.
    const std::string stream_open_template = "5 0 obj\n<< /Length 0000000000 >>\nstream\n";
    const std::string text_open = "BT /F1 12 Tf 72 700 Td (";
    const std::size_t fixed =
        prefix.size() + stream_open_template.size() + 2 /* "%" and "\n" */ + text_open.size();
    REQUIRE(marker_offset >= fixed);
    const std::string filler(marker_offset - fixed, 'x');
    std::string stream = "%" + filler + "\n" + text_open + marker + ") Tj ET\n";
    // Pad after the text so the file reaches min_size; each comment line stays short.
    while (prefix.size() + stream_open_template.size() + stream.size() + 200 < min_size) {
        stream += "% padding to make the document large enough for several 64 KiB chunks\n";
    }
    char length[16];
    std::snprintf(length, sizeof length, "%010zu", stream.size());
    std::string out =
        prefix + "5 0 obj\n<< /Length " + length + " >>\nstream\n" + stream + "endstream\nendobj\n";
    REQUIRE(out.compare(marker_offset, marker.size(), marker) == 0);
    const std::size_t xref = out.size();
    out += "xref\n0 6\n0000000000 65535 f \n";
    for (const std::size_t o : offsets) {
        char line[32];
        std::snprintf(line, sizeof line, "%010zu 00000 n \n", o);
        out += line;
    }
    out += "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return out;
}

// The audit log's current size, as GET /api/v1/health reports it.
inline std::uint64_t audit_size(const Client& any) {
    const Response r = any.get("/api/v1/health");
    REQUIRE(r.status == 200);
    return r.json()->getValue<std::uint64_t>("audit_size");
}

// Audit entries from index `from` on (parsed JSON objects), read with a clinician's session.
inline std::vector<Poco::JSON::Object::Ptr> audit_entries_since(const Client& clinician, std::uint64_t from) {
    std::vector<Poco::JSON::Object::Ptr> out;
    while (true) {
        const Response r =
            clinician.get("/api/v1/audit/entries?from=" + std::to_string(from + out.size()) + "&count=5000");
        const auto page = items_of(r);
        if (page->size() == 0) {
            break;
        }
        for (const auto& v : *page) {
            const auto row = v.extract<Poco::JSON::Object::Ptr>();
            Poco::JSON::Parser parser;
            out.push_back(
                parser.parse(row->getValue<std::string>("entry")).extract<Poco::JSON::Object::Ptr>());
        }
    }
    return out;
}

// Whether some entry has this action and decision, and (when given) this object.
inline bool has_entry(const std::vector<Poco::JSON::Object::Ptr>& entries, const std::string& action,
                      const std::string& decision, const std::string& object = "") {
    for (const auto& e : entries) {
        if (field(e, "action") == action && field(e, "decision") == decision &&
            (object.empty() || field(e, "object") == object)) {
            return true;
        }
    }
    return false;
}

} // namespace kvtest
