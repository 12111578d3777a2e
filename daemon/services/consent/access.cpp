#include "services/consent/access.h"

#include "domain/party.h"
#include "domain/roi_lifecycle.h"

namespace kinvault::services {

const Error& hidden_roi() {
    static const Error e = make_error(Errc::not_found, "No such ROI.");
    return e;
}
const Error& hidden_order() {
    static const Error e = make_error(Errc::not_found, "No such court order.");
    return e;
}
const Error& hidden_letter() {
    static const Error e = make_error(Errc::not_found, "No such letter.");
    return e;
}
const Error& hidden_document() {
    static const Error e = make_error(Errc::not_found, "No such document.");
    return e;
}
const Error& hidden_party() {
    static const Error e = make_error(Errc::not_found, "No such party.");
    return e;
}

Error clinician_only(const std::string& what) {
    return make_error(Errc::forbidden, "Only the case's clinician can " + what + ".");
}

bool is_clinician(const CaseAccess& access) {
    return access.consent && access.consent->context.requester_is_clinician();
}

Result<domain::AuthorityRef> authority_for(const domain::CaseFacts& facts, const std::string& id) {
    if (id.empty()) {
        return domain::AuthorityRef{};
    }
    if (domain::find_order(facts, id) != nullptr) {
        return domain::AuthorityRef{domain::AuthorityKind::court_order, id};
    }
    for (const auto& c : facts.custody_records) {
        if (c.id == id) {
            return domain::AuthorityRef{domain::AuthorityKind::custody_record, id};
        }
    }
    return make_error(Errc::invalid_input,
                      "the authority " + id + " is neither a court order nor a custody record of this case");
}

ConsentAccess::ConsentAccess(ReleaseGate& gate)
    : m_gate(gate), m_store(gate.records().store()), m_records(gate.records()) {}

Result<CaseAccess> ConsentAccess::case_for(const Principal& who, const std::string& case_id) {
    return m_gate.case_access(who, case_id);
}

Result<ConsentAccess::ClinicianDocument> ConsentAccess::clinician_document(const Principal& who,
                                                                           const std::string& document_id,
                                                                           const std::string& what) {
    auto d = KV_TRY_VALUE(m_store.document_by_id(document_id));
    if (!d.has_value()) {
        return hidden_document();
    }
    auto access = case_for(who, d->case_id);
    if (!access) {
        return access.error().code == Errc::not_found ? hidden_document() : std::move(access).error();
    }
    if (!is_clinician(*access)) {
        if (!m_gate.decide(*access, *d, AccessAction::read).permit) {
            return hidden_document();
        }
        return clinician_only(what);
    }
    return ClinicianDocument{std::move(*d), std::move(access).value()};
}

Result<CaseSnapshot> ConsentAccess::named(const CaseAccess& access) const {
    CaseSnapshot s = access.consent->snapshot;
    KV_TRY(m_records.name_parties(s.facts, s.party_rows));
    return s;
}

Result<CaseAccess> ConsentAccess::load_visible(const Principal& who, const char* kind, const std::string& id,
                                               const Error& hidden) {
    const auto row = KV_TRY_VALUE(m_store.record(kind, id));
    if (!row.has_value()) {
        return hidden;
    }
    auto access = case_for(who, row->case_id);
    if (!access) {
        return access.error().code == Errc::not_found ? hidden : std::move(access).error();
    }
    return access;
}

bool ConsentAccess::may_read_document(const CaseAccess& access, const std::string& document_id) const {
    auto d = m_store.document_by_id(document_id);
    if (!d || !d->has_value()) {
        return false;
    }
    return m_gate.decide(access, **d, AccessAction::read).permit;
}

// Signers, the subject and whoever may revoke it know the ROI; anyone else only when its document would be
// released to them.
Result<CaseAccess> ConsentAccess::load_visible_roi(const Principal& who, const std::string& roi_id) {
    auto access = KV_TRY_VALUE(load_visible(who, k_kind_roi, roi_id, hidden_roi()));
    const auto* roi = domain::find_roi(access.consent->snapshot.facts, roi_id);
    if (roi == nullptr || !may_see_roi(access, *roi)) {
        return hidden_roi();
    }
    return access;
}

bool ConsentAccess::may_see_roi(const CaseAccess& access, const domain::Roi& roi) const {
    if (is_clinician(access)) {
        return true;
    }
    const auto& consent = *access.consent;
    for (const auto& mine : consent.requester.parties) {
        if (roi.subject == mine) {
            return true;
        }
        for (const auto& s : roi.signatures) {
            if (s.signer == mine) {
                return true;
            }
        }
        if (domain::may_revoke(roi, mine, consent.snapshot.facts, consent.now, m_gate.policy())) {
            return true;
        }
    }
    return !roi.document.empty() && may_read_document(access, roi.document);
}

Result<storage::DocumentRecord> ConsentAccess::document_in_case(const std::string& document_id,
                                                                const std::string& case_id,
                                                                const std::string& what) const {
    if (document_id.empty()) {
        return make_error(Errc::invalid_input, what + " is required (a document id)");
    }
    const auto d = KV_TRY_VALUE(m_store.document_by_id(document_id));
    if (!d.has_value() || d->case_id != case_id) {
        return make_error(Errc::invalid_input, what + " must be a document of this case");
    }
    return *d;
}

} // namespace kinvault::services
