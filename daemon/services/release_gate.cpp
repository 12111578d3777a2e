#include "services/release_gate.h"

#include "domain/types.h"

#include <algorithm>

namespace kinvault::services {

namespace {

std::string purpose_of(const domain::Decision& d, const CaseConsent& consent) {
    using domain::RuleCode;
    switch (d.rule) {
    case RuleCode::roi_permits: {
        std::vector<domain::Purpose> usual;
        for (const auto& id : consent.requester.parties) {
            if (const auto* p = domain::find_party(consent.snapshot.facts, id)) {
                for (const auto u : domain::usual_purposes(p->role)) {
                    usual.push_back(u);
                }
            }
        }
        std::string out;
        for (const auto& roi_id : d.basis.ids) {
            const auto* roi = domain::find_roi(consent.snapshot.facts, roi_id);
            if (roi == nullptr) {
                continue;
            }
            for (const auto p : roi->purposes) {
                const std::string name(domain::to_string(p));
                if (std::find(usual.begin(), usual.end(), p) != usual.end() &&
                    out.find(name) == std::string::npos) {
                    out += (out.empty() ? "" : ",") + name;
                }
            }
        }
        return out;
    }
    case RuleCode::court_order_compels:
        return "compelled by court order";
    case RuleCode::agreement_allowance:
        return "as the reunification agreement allows";
    case RuleCode::letter_release:
        return "the child's therapeutic work";
    case RuleCode::envelope_party:
        return "signer's copy of an executed document";
    case RuleCode::own_information:
        return "individual's right of access";
    default:
        return "";
    }
}

} // namespace

CaseConsent::CaseConsent(CaseSnapshot s, const Principal& principal, UnixTime at,
                         const domain::Policy& policy)
    : snapshot(std::move(s)), requester(requester_for(snapshot, principal)),
      context(snapshot.facts, domain::ReleaseRequest{requester, domain::Action::read, std::nullopt, at},
              policy),
      now(at) {}

AccessDecision to_access_decision(const domain::Decision& decision, const CaseConsent& consent,
                                  const domain::DocumentFacts& document) {
    AccessDecision out;
    out.permit = decision.permitted();
    out.rule = std::string(decision.rule_code());
    std::vector<std::string> ids = decision.basis.ids;
    if (decision.rule == domain::RuleCode::letter_release) {
        const auto it = consent.snapshot.letters_by_document.find(document.id);
        if (it != consent.snapshot.letters_by_document.end()) {
            ids.push_back(it->second.id);
        }
    }
    for (const auto& id : ids) {
        out.basis += (out.basis.empty() ? "" : ",") + id;
    }
    out.reason = decision.reason;
    out.purpose = decision.permitted() ? purpose_of(decision, consent) : std::string();
    for (const auto& o : decision.obligations) {
        out.obligations.push_back(o.text);
    }
    return out;
}

ReleaseGate::ReleaseGate(storage::Store& store, const barrier::Barrier& barrier, const Clock& clock,
                         domain::Policy policy)
    : m_store(store), m_clock(clock), m_policy(policy), m_records(store, barrier) {}

Result<CaseAccess> ReleaseGate::case_access(const Principal& principal, const std::string& case_id) {
    const Error hidden = make_error(Errc::not_found, "No such case.");
    const auto c = KV_TRY_VALUE(m_store.case_by_id(case_id));
    if (!c.has_value()) {
        return hidden;
    }
    const auto parties = KV_TRY_VALUE(m_store.parties_of_user(principal.user_id));
    CaseAccess access;
    access.case_id = case_id;
    access.case_record = *c;
    access.principal = principal;
    for (const auto& p : parties) {
        if (p.case_id == case_id && has_standing(p)) {
            access.my_parties.push_back(p);
            if (role_of(p) == domain::Role::clinician && principal.is_clinician()) {
                access.is_case_clinician = true;
            }
        }
    }
    if (access.my_parties.empty()) {
        return hidden;
    }
    const UnixTime now = m_clock.now();
    auto snapshot = KV_TRY_VALUE(m_records.snapshot(access.case_record, now, NameMode::ids_only));
    access.consent = std::make_shared<const CaseConsent>(std::move(snapshot), principal, now, m_policy);
    return access;
}

AccessDecision ReleaseGate::decide(const CaseAccess& access, const storage::DocumentRecord& document,
                                   AccessAction action) const {
    if (!access.consent) {
        return {false, std::string(domain::to_string(domain::RuleCode::default_deny)),
                "",    "No consent facts were assembled for this request.",
                "",    {}};
    }
    const CaseConsent& consent = *access.consent;
    const domain::DocumentFacts facts = document_facts(consent.snapshot, document);
    if (action == AccessAction::read_old_version && !consent.context.requester_is_clinician()) {
        // Earlier versions are drafts or superseded copies; no release covers them.
        return {false, "R0.old-versions-clinician-only",
                "",    "Earlier versions of a document are kept for the clinician only.",
                "",    {}};
    }
    if (action == AccessAction::list && !consent.context.permits(facts)) {
        // A listing only needs the verdict; the reason is built when someone asks (access explain).
        return {false, "withheld", "", "not listed: a read would be denied", "", {}};
    }
    return to_access_decision(consent.context.decide(facts), consent, facts);
}

domain::Decision ReleaseGate::explain(const CaseAccess& access, const storage::DocumentRecord& document,
                                      const domain::Requester& requester) {
    if (!access.consent) {
        return {};
    }
    const CaseConsent& consent = *access.consent;
    // An explanation is read by the clinician: name the parties.
    domain::CaseFacts facts = consent.snapshot.facts;
    if (!m_records.name_parties(facts, consent.snapshot.party_rows)) {
        return {};
    }
    const domain::ReleaseContext ctx(
        facts, domain::ReleaseRequest{requester, domain::Action::read, std::nullopt, consent.now}, m_policy);
    return ctx.decide(document_facts(consent.snapshot, document));
}

Result<CaseAccess> case_access_audited(ReleaseGate& gate, AuditLog& audit, const Principal& who,
                                       const std::string& case_id, const char* action,
                                       const RequestInfo& req) {
    auto access = gate.case_access(who, case_id);
    if (!access) {
        (void)audit.append({.actor = who.user_id,
                            .action = action,
                            .object = case_id,
                            .case_id = case_id,
                            .decision = "deny",
                            .reason = "not a party of the case"},
                           req);
    }
    return access;
}

} // namespace kinvault::services
