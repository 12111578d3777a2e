#include "services/signing/envelope_records.h"

#include "domain/party.h"
#include "services/audit_actions.h"

namespace kinvault::services {

namespace {
constexpr const char* k_record_kind = "envelope";
}

Error no_such_envelope() {
    return make_error(Errc::not_found, "No such envelope.");
}

EnvelopeRecords::EnvelopeRecords(storage::Store& store, const barrier::Barrier& barrier, AuditLog& audit,
                                 ReleaseGate& gate, const Clock& clock)
    : m_store(store), m_barrier(barrier), m_audit(audit), m_gate(gate), m_clock(clock) {}

Result<Envelope> EnvelopeRecords::load(const std::string& envelope_id) const {
    auto rec = KV_TRY_VALUE(m_store.record(k_record_kind, envelope_id));
    if (!rec.has_value()) {
        return no_such_envelope();
    }
    auto json = KV_TRY_VALUE(m_barrier.open_record(*rec));
    return decode_envelope(json);
}

Status EnvelopeRecords::save(const Envelope& e) {
    storage::SealedRecord r;
    r.kind = k_record_kind;
    r.id = e.id;
    r.case_id = e.case_id;
    r.document_id = e.document_id;
    r.state = std::string(to_string(e.state));
    r.updated_at = m_clock.now();
    m_barrier.seal_record(r, encode_envelope(e));
    return m_store.put_record(r);
}

std::shared_ptr<std::mutex> EnvelopeRecords::lock_for(const std::string& envelope_id) {
    std::lock_guard<std::mutex> guard(m_locks_mutex);
    auto& weak = m_locks[envelope_id];
    auto strong = weak.lock();
    if (!strong) {
        strong = std::make_shared<std::mutex>();
        weak = strong;
    }
    return strong;
}

void EnvelopeRecords::add_event(Envelope& e, const std::string& type, const std::string& slot,
                                const std::string& actor, const RequestInfo& req, const std::string& auth,
                                const std::string& detail) const {
    e.events.push_back(
        {m_clock.now(), type, slot, actor, req.client_address, req.user_agent.substr(0, 200), auth, detail});
}

Result<Envelope> EnvelopeRecords::load_for(const Principal& who, const std::string& envelope_id,
                                           bool sender_only) {
    auto e = KV_TRY_VALUE(load(envelope_id));
    auto access = m_gate.case_access(who, e.case_id);
    if (!access) {
        return no_such_envelope();
    }
    if (access->is_case_clinician) {
        return e;
    }
    if (sender_only) {
        return no_such_envelope();
    }
    for (const auto& s : e.signers) {
        for (const auto& p : access->my_parties) {
            if (p.id == s.party_id) {
                return e;
            }
        }
    }
    return no_such_envelope();
}

Result<std::vector<Envelope>> EnvelopeRecords::of_case(const Principal& who, const std::string& case_id) {
    auto access = KV_TRY_VALUE(m_gate.case_access(who, case_id));
    auto rows = KV_TRY_VALUE(m_store.records_of_case(k_record_kind, case_id));
    std::vector<Envelope> out;
    for (const auto& r : rows) {
        auto json = KV_TRY_VALUE(m_barrier.open_record(r));
        auto e = KV_TRY_VALUE(decode_envelope(json));
        bool mine = access.is_case_clinician;
        for (const auto& s : e.signers) {
            for (const auto& p : access.my_parties) {
                mine = mine || p.id == s.party_id;
            }
        }
        if (mine) {
            out.push_back(std::move(e));
        }
    }
    return out;
}

Result<std::vector<std::string>> EnvelopeRecords::sent_ids() const {
    auto rows =
        KV_TRY_VALUE(m_store.records_in_state(k_record_kind, std::string(to_string(EnvelopeState::sent))));
    std::vector<std::string> ids;
    for (const auto& r : rows) {
        ids.push_back(r.id);
    }
    return ids;
}

Result<std::size_t> EnvelopeRecords::my_signer(const Principal& who, const Envelope& e) const {
    auto parties = KV_TRY_VALUE(m_store.parties_of_user(who.user_id));
    for (std::size_t i = 0; i < e.signers.size(); ++i) {
        for (const auto& p : parties) {
            if (p.id == e.signers[i].party_id &&
                domain::parse_party_status(p.status) == domain::PartyStatus::active) {
                return i;
            }
        }
    }
    return make_error(Errc::not_found, "You are not a signer of this envelope.");
}

Status EnvelopeRecords::check_expiry(Envelope& e, const RequestInfo& req) {
    if (e.state == EnvelopeState::sent && e.expires_at != 0 && m_clock.now() >= e.expires_at) {
        e.state = EnvelopeState::expired;
        add_event(e, "expired", "", "system", req, "");
        KV_TRY(m_store.transaction([&]() -> Status {
            KV_TRY(save(e));
            return m_audit.append({.actor = "system",
                                   .action = audit_action::envelope_expire,
                                   .object = e.id,
                                   .case_id = e.case_id,
                                   .decision = "ok",
                                   .reason = "expired unsigned",
                                   .details = ""},
                                  req);
        }));
    }
    return {};
}

} // namespace kinvault::services
