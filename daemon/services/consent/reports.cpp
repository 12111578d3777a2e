#include "services/consent/reports.h"

#include "domain/party.h"
#include "services/audit_actions.h"
#include "json/writer.h"

#include <map>

namespace kinvault::services {

Reports::Reports(storage::Store& store, AuditLog& audit, ConsentAccess& access, ConsentRecords& records)
    : m_store(store), m_audit(audit), m_access(access), m_records(records) {}

Result<domain::CaseReadiness> Reports::readiness(const Principal& who, const std::string& case_id,
                                                 const RequestInfo& req) {
    const auto access = KV_TRY_VALUE(m_access.case_for(who, case_id));
    if (!is_clinician(access)) {
        return clinician_only("check coordination readiness");
    }
    const auto snap = KV_TRY_VALUE(m_access.named(access));
    auto r = domain::assess_readiness(snap.facts, access.consent->now, m_access.policy());
    KV_TRY(m_audit.append({.actor = who.user_id,
                           .action = audit_action::readiness_read,
                           .object = case_id,
                           .case_id = case_id,
                           .decision = "ok",
                           .reason = r.ready ? "ready" : "not ready",
                           .details = {}},
                          req));
    return r;
}

Result<Explanation> Reports::explain(const Principal& who, const std::string& document_id,
                                     const std::string& party_id, const RequestInfo& req) {
    const auto target =
        KV_TRY_VALUE(m_access.clinician_document(who, document_id, "explain release decisions"));
    const storage::DocumentRecord& d = target.document;
    const CaseAccess& access = target.access;
    const auto snap = KV_TRY_VALUE(m_access.named(access));
    if (domain::find_party(snap.facts, party_id) == nullptr) {
        return make_error(Errc::invalid_input, "party must be a party of this case");
    }
    Explanation out;
    out.document_id = document_id;
    out.party = party_id;
    out.party_name = party_name(snap, party_id);
    out.decision = m_access.gate().explain(access, d, requester_as(snap, party_id));
    json::ObjectWriter details;
    details.field("as", party_id).field("rule", out.decision.rule_code());
    KV_TRY(m_audit.append({.actor = who.user_id,
                           .action = audit_action::access_explain,
                           .object = document_id,
                           .case_id = d.case_id,
                           .decision = std::string(domain::to_string(out.decision.effect)),
                           .reason = std::string(out.decision.rule_code()) + ": " + out.decision.reason,
                           .details = details.str()},
                          req));
    return out;
}

std::pair<std::string, std::string> Reports::document_info(const std::string& document_id,
                                                           std::int64_t version) const {
    std::pair<std::string, std::string> info;
    auto d = m_store.document_by_id(document_id);
    if (d && d->has_value()) {
        info.first = (*d)->type;
        auto ver = m_store.version_of(document_id, version);
        if (ver && ver->has_value()) {
            auto title = m_records.barrier().open_title(**ver);
            if (title) {
                info.second = *title;
            }
        }
    }
    return info;
}

Result<std::vector<DisclosureView>> Reports::disclosures(const Principal& who, const std::string& case_id,
                                                         const std::string& party_id,
                                                         const RequestInfo& req) {
    const auto access = KV_TRY_VALUE(m_access.case_for(who, case_id));
    if (!is_clinician(access)) {
        return clinician_only("read the accounting of disclosures");
    }
    const auto rows = KV_TRY_VALUE(m_store.disclosures_of_case(case_id));
    const auto snap = KV_TRY_VALUE(m_access.named(access));
    std::vector<DisclosureView> out;
    std::map<std::string, std::pair<std::string, std::string>> docs; // id -> (type, title)
    for (const auto& r : rows) {
        if (!party_id.empty() && r.recipient_party != party_id) {
            continue;
        }
        DisclosureView v;
        v.record = r;
        v.recipient_name = r.recipient_party.empty() ? r.recipient_user : party_name(snap, r.recipient_party);
        if (docs.count(r.document_id) == 0) {
            docs[r.document_id] = document_info(r.document_id, r.version);
        }
        v.document_type = docs[r.document_id].first;
        v.document_title = docs[r.document_id].second;
        out.push_back(std::move(v));
    }
    KV_TRY(m_audit.append({.actor = who.user_id,
                           .action = audit_action::disclosures_read,
                           .object = case_id,
                           .case_id = case_id,
                           .decision = "ok",
                           .reason = "accounting of disclosures",
                           .details = json::ObjectWriter()
                                          .field("party", party_id)
                                          .field("entries", static_cast<std::int64_t>(out.size()))
                                          .str()},
                          req));
    return out;
}

} // namespace kinvault::services
