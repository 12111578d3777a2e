#include "http/api.h"
#include "http/exchange.h"

#include <Poco/JSON/Array.h>

namespace kinvault::http {

namespace {

bool parse_u64(const std::string& text, std::uint64_t& out) {
    if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) {
        return false;
    }
    out = std::stoull(text);
    return true;
}

Poco::JSON::Array::Ptr hashes(const std::vector<crypto::Hash>& proof) {
    Poco::JSON::Array::Ptr a = new Poco::JSON::Array();
    for (const auto& h : proof) {
        a->add(to_base64(h.data(), h.size()));
    }
    return a;
}

bool clinician_only(Exchange& ex, services::AuditLog& audit) {
    if (!ex.who().is_clinician()) {
        (void)audit.append(
            {ex.who().user_id, "audit.read", "", "", "deny", "the audit log is for clinicians", ""},
            ex.info());
        ex.send_error(Errc::forbidden, "The audit log is open to the practice's clinicians.");
        return false;
    }
    return true;
}

} // namespace

void Api::add_audit_routes() {
    m_router.add("GET", "/api/v1/audit/checkpoint", [this](Exchange& ex) {
        if (!clinician_only(ex, m_s.audit)) {
            return;
        }
        auto note = m_s.audit.latest_checkpoint();
        if (!note) {
            ex.send_error(note.error());
            return;
        }
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
        o->set("checkpoint", *note);
        o->set("verifier_key", m_s.audit.verifier_key());
        o->set("origin", m_s.audit.origin());
        ex.send_json(200, o);
    });

    m_router.add("GET", "/api/v1/audit/entries", [this](Exchange& ex) {
        if (!clinician_only(ex, m_s.audit)) {
            return;
        }
        std::uint64_t from = 0;
        std::uint64_t count = 1000;
        if ((!ex.query("from").empty() && !parse_u64(ex.query("from"), from)) ||
            (!ex.query("count").empty() && !parse_u64(ex.query("count"), count))) {
            ex.send_error(Errc::invalid_input, "from and count must be non-negative numbers");
            return;
        }
        count = std::min<std::uint64_t>(count, 5000);
        auto rows = m_s.audit.entries(static_cast<std::int64_t>(from), static_cast<std::int64_t>(count));
        if (!rows) {
            ex.send_error(rows.error());
            return;
        }
        Poco::JSON::Array::Ptr a = new Poco::JSON::Array();
        for (const auto& r : *rows) {
            Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
            o->set("index", r.seq);
            o->set("entry", r.entry);
            a->add(o);
        }
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
        o->set("items", a);
        o->set("size", static_cast<Poco::UInt64>(m_s.audit.size()));
        ex.send_json(200, o);
    });

    m_router.add("GET", "/api/v1/audit/proof/inclusion", [this](Exchange& ex) {
        if (!clinician_only(ex, m_s.audit)) {
            return;
        }
        std::uint64_t index = 0;
        std::uint64_t size = 0;
        if (!parse_u64(ex.query("index"), index) || !parse_u64(ex.query("size"), size)) {
            ex.send_error(Errc::invalid_input, "index and size are required numbers");
            return;
        }
        auto proof = m_s.audit.inclusion_proof(index, size);
        if (!proof) {
            ex.send_error(Errc::invalid_input, proof.error().message);
            return;
        }
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
        o->set("index", static_cast<Poco::UInt64>(index));
        o->set("size", static_cast<Poco::UInt64>(size));
        o->set("proof", hashes(*proof));
        ex.send_json(200, o);
    });

    m_router.add("GET", "/api/v1/audit/proof/consistency", [this](Exchange& ex) {
        if (!clinician_only(ex, m_s.audit)) {
            return;
        }
        std::uint64_t first = 0;
        std::uint64_t second = 0;
        if (!parse_u64(ex.query("first"), first) || !parse_u64(ex.query("second"), second)) {
            ex.send_error(Errc::invalid_input, "first and second are required numbers");
            return;
        }
        auto proof = m_s.audit.consistency_proof(first, second);
        if (!proof) {
            ex.send_error(Errc::invalid_input, proof.error().message);
            return;
        }
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
        o->set("first", static_cast<Poco::UInt64>(first));
        o->set("second", static_cast<Poco::UInt64>(second));
        o->set("proof", hashes(*proof));
        ex.send_json(200, o);
    });
}

} // namespace kinvault::http
