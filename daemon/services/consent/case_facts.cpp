#include "services/consent/case_facts.h"

#include "domain/party.h"
#include "services/audit_actions.h"
#include "json/writer.h"

namespace kinvault::services {

namespace {

// The clinician's input applied to a party's stored facts; `substituted` says whether counsel was replaced.
Status apply_party_facts(PartyFacts& facts, bool& substituted, const domain::Party& party,
                         const domain::CaseFacts& case_facts, const PartyFactsInput& input, UnixTime now) {
    if (input.treats) {
        if (party.role != domain::Role::child_therapist) {
            return make_error(Errc::invalid_input, "only a child's therapist treats a child");
        }
        const auto* child = domain::find_party(case_facts, *input.treats);
        if (child == nullptr || child->role != domain::Role::child) {
            return make_error(Errc::invalid_input, "treats must name a child of this case");
        }
        facts.treats = *input.treats;
    }
    if (input.minor_consented_treatment) {
        if (party.role != domain::Role::child_therapist) {
            return make_error(Errc::invalid_input,
                              "minor consent to treatment is recorded on the child's therapist");
        }
        facts.minor_consented_treatment = *input.minor_consented_treatment;
    }
    if (input.substituted_by) {
        const auto* successor = domain::find_party(case_facts, *input.substituted_by);
        if (!domain::is_counsel(party.role) || successor == nullptr || !domain::is_counsel(successor->role) ||
            successor->id == party.id) {
            return make_error(Errc::invalid_input,
                              "a substitution replaces counsel with other counsel of this case");
        }
        facts.successor = *input.substituted_by;
        facts.status_since = now;
        substituted = true;
    }
    return {};
}

// The clinician's classification applied to a document's facts and row.
Status apply_classification(DocumentFactsRecord& rec, storage::DocumentRecord& row,
                            const domain::CaseFacts& facts, const ClassificationInput& input) {
    std::vector<std::string> unknown;
    const auto parties = [&](const std::vector<std::string>& ids) {
        for (const auto& id : ids) {
            if (domain::find_party(facts, id) == nullptr) {
                unknown.push_back(id);
            }
        }
        return ids;
    };
    if (input.subjects) {
        rec.subjects = parties(*input.subjects);
    }
    if (input.contact_details_of) {
        rec.contact_details_of = parties(*input.contact_details_of);
    }
    if (!unknown.empty()) {
        return make_error(Errc::invalid_input, "not parties of this case: " + unknown.front());
    }
    if (input.category) {
        const auto c = domain::parse_info_category(normalise_name(*input.category));
        if (!c) {
            return make_error(Errc::invalid_input,
                              "category must be one of general, attendance, payment, "
                              "progress-report, assessment, session-summary, correspondence, legal");
        }
        row.category = std::string(domain::to_string(*c));
    }
    if (input.sensitivity) {
        domain::SensitivitySet set;
        for (const auto& s : *input.sensitivity) {
            const auto f = domain::parse_sensitivity(normalise_name(s));
            if (!f) {
                return make_error(Errc::invalid_input,
                                  "sensitivity must be psychotherapy-notes or substance-use");
            }
            set.add(*f);
        }
        row.sensitivity = sensitivity_list(set);
    }
    return {};
}

} // namespace

CaseFactsService::CaseFactsService(storage::Store& store, AuditLog& audit, ConsentAccess& access,
                                   ConsentRecords& records, const Clock& clock)
    : m_store(store), m_audit(audit), m_access(access), m_records(records), m_clock(clock) {}

Result<PartyFacts> CaseFactsService::set_party_facts(const Principal& who, const std::string& party_id,
                                                     const PartyFactsInput& input, const RequestInfo& req) {
    const auto row = KV_TRY_VALUE(m_store.party_by_id(party_id));
    if (!row.has_value()) {
        return hidden_party();
    }
    auto access = m_access.case_for(who, row->case_id);
    if (!access || !is_clinician(*access)) {
        return access || access.error().code == Errc::not_found ? hidden_party() : std::move(access).error();
    }
    const auto& snap = access->consent->snapshot;
    const auto* party = domain::find_party(snap.facts, party_id);
    if (party == nullptr) {
        return hidden_party();
    }
    PartyFacts facts;
    if (const auto it = snap.party_facts.find(party_id); it != snap.party_facts.end()) {
        facts = it->second;
    }
    facts.party_id = party_id;
    facts.case_id = access->case_id;
    bool substituted = false;
    KV_TRY(apply_party_facts(facts, substituted, *party, snap.facts, input, m_clock.now()));
    storage::PartyRecord updated = *row;
    if (substituted) {
        updated.status = std::string(domain::to_string(domain::PartyStatus::substituted));
    }
    const UnixTime now = m_clock.now();
    KV_TRY(m_store.transaction([&]() -> Status {
        KV_TRY(m_records.put_party_facts(facts, now));
        if (substituted) {
            KV_TRY(m_store.update_party(updated));
        }
        json::ObjectWriter details;
        details.field("treats", facts.treats.value_or(""))
            .field("minor_consented_treatment", facts.minor_consented_treatment ? "yes" : "no")
            .field("successor", facts.successor.value_or(""));
        return m_audit.append(
            {.actor = who.user_id,
             .action = audit_action::party_consent_facts,
             .object = party_id,
             .case_id = access->case_id,
             .decision = "ok",
             .reason = substituted ? "counsel substituted (rule 9)" : "consent facts recorded",
             .details = details.str()},
            req);
    }));
    return facts;
}

Result<DocumentFactsRecord> CaseFactsService::classify_document(const Principal& who,
                                                                const std::string& document_id,
                                                                const ClassificationInput& input,
                                                                const RequestInfo& req) {
    const auto target = KV_TRY_VALUE(m_access.clinician_document(who, document_id, "classify a document"));
    const storage::DocumentRecord& d = target.document;
    const CaseAccess& access = target.access;
    const auto& snap = access.consent->snapshot;
    DocumentFactsRecord rec;
    if (const auto it = snap.document_facts.find(document_id); it != snap.document_facts.end()) {
        rec = it->second;
    }
    rec.document_id = document_id;
    rec.case_id = d.case_id;
    storage::DocumentRecord row = d;
    KV_TRY(apply_classification(rec, row, snap.facts, input));
    const UnixTime now = m_clock.now();
    KV_TRY(m_store.transaction([&]() -> Status {
        KV_TRY(m_records.put_document_facts(rec, now));
        KV_TRY(m_store.update_document(row));
        json::ObjectWriter details;
        details.field("category", row.category)
            .field("sensitivity", row.sensitivity)
            .field("subjects", static_cast<std::int64_t>(rec.subjects.size()));
        return m_audit.append({.actor = who.user_id,
                               .action = audit_action::document_classify,
                               .object = document_id,
                               .case_id = row.case_id,
                               .decision = "ok",
                               .reason = "release facts recorded",
                               .details = details.str()},
                              req);
    }));
    return rec;
}

// One function on purpose (about 80 lines): the new agreement, the one it supersedes and the mode history
// change together, in the caller's transaction, and reading them apart would hide that.
Result<AgreementRecord> CaseFactsService::apply_agreement(CaseSnapshot& snap, const AgreementInput& input,
                                                          const std::string& actor, const RequestInfo& req) {
    const UnixTime now = m_clock.now();
    const UnixTime effective = input.effective_from.value_or(now);
    const auto current_mode = domain::mode_at(snap.facts, effective);
    AgreementRecord rec;
    rec.case_id = snap.facts.id;
    auto& a = rec.agreement;
    a.document = input.document_id;
    a.state = domain::AgreementState::executed;
    a.state_changed_at = now;
    a.executed_at = now;
    a.mode = input.mode.value_or(current_mode);
    int versions = 0;
    AgreementRecord* in_force = nullptr;
    for (auto& prior : snap.agreements) {
        if (prior.agreement.document == input.document_id) {
            return make_error(Errc::conflict, "this agreement is already recorded");
        }
        ++versions;
        if (prior.agreement.state == domain::AgreementState::executed &&
            (in_force == nullptr ||
             prior.agreement.executed_at.value_or(0) > in_force->agreement.executed_at.value_or(0))) {
            in_force = &prior;
        }
    }
    a.version = versions + 1;
    if (in_force != nullptr) {
        a.supersedes = in_force->agreement.document;
        a.closed_allowances = in_force->agreement.closed_allowances;
        a.open_allowances = in_force->agreement.open_allowances;
    }
    if (input.closed_allowances) {
        a.closed_allowances = *input.closed_allowances;
    }
    if (input.open_allowances) {
        a.open_allowances = *input.open_allowances;
    }
    const bool mode_changes = a.mode != current_mode;
    if (mode_changes) {
        // The case's opening mode becomes the first entry of the stored history.
        KV_TRY(domain::apply_mode_amendment(snap.facts, a, effective, now));
        ModeHistoryRecord history;
        history.case_id = snap.facts.id;
        history.changes = snap.facts.mode_history;
        KV_TRY(m_records.put_mode_history(history, now));
        if (effective <= now) {
            storage::CaseRecord c = snap.case_record;
            c.mode = std::string(domain::to_string(a.mode));
            KV_TRY(m_store.update_case(c));
        }
    }
    if (in_force != nullptr) {
        KV_TRY(domain::transition_agreement(in_force->agreement, domain::AgreementState::superseded, now));
        KV_TRY(m_records.put_agreement(*in_force, now));
    }
    KV_TRY(m_records.put_agreement(rec, now));
    json::ObjectWriter details;
    details.field("mode", domain::to_string(a.mode))
        .field("effective_from", format_utc(effective))
        .field("version", static_cast<std::int64_t>(a.version));
    KV_TRY(
        m_audit.append({.actor = actor,
                        .action = audit_action::agreement_record,
                        .object = a.document,
                        .case_id = snap.facts.id,
                        .decision = "ok",
                        .reason = mode_changes ? "process mode amended going forward" : "agreement in force",
                        .details = details.str()},
                       req));
    return rec;
}

Result<AgreementRecord> CaseFactsService::record_agreement(const Principal& who, const std::string& case_id,
                                                           const AgreementInput& input,
                                                           const RequestInfo& req) {
    const auto access = KV_TRY_VALUE(m_access.case_for(who, case_id));
    if (!is_clinician(access)) {
        return clinician_only("record an executed agreement");
    }
    const auto doc = KV_TRY_VALUE(
        m_access.document_in_case(input.document_id, case_id, "document_id (the executed agreement)"));
    if (doc.type != domain::to_string(domain::DocType::reunification_agreement)) {
        return make_error(Errc::invalid_input,
                          "document_id must be a document of type reunification-agreement");
    }
    if (input.effective_from && *input.effective_from < m_clock.now()) {
        return make_error(
            Errc::invalid_input,
            "a process mode change applies only going forward; it cannot take effect before now");
    }
    AgreementRecord out;
    KV_TRY(m_store.transaction([&]() -> Status {
        auto snap = KV_TRY_VALUE(m_records.snapshot(access.case_record, m_clock.now()));
        out = KV_TRY_VALUE(apply_agreement(snap, input, who.user_id, req));
        return {};
    }));
    return out;
}

} // namespace kinvault::services
