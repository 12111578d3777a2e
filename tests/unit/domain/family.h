// A reunification case used across the domain tests: two parents with joint legal custody under a verified
// order, a ten-year-old child with an individual therapist, an attorney for each parent, minor's counsel,
// the court and an executed agreement. Tests change one fact at a time and ask the engine.
#pragma once

#include "common/clock.h"
#include "domain/authority.h"
#include "domain/case_facts.h"
#include "domain/readiness.h"
#include "domain/release.h"
#include "domain/roi.h"
#include "domain/roi_lifecycle.h"

#include <optional>
#include <stdexcept>
#include <string>

namespace kinvault::domain::test {

// One decision from scratch: the release gate builds a ReleaseContext once per request and asks it about
// each document; the scenarios ask about one document at a time.
inline Decision decide_release(const ReleaseFacts& facts, const ReleaseRequest& request,
                               const Policy& policy = {}) {
    return ReleaseContext(facts.facts, request, policy).decide(facts.document);
}

inline UnixTime day(const std::string& date) {
    UnixTime t = 0;
    if (!parse_utc(date, t)) {
        throw std::invalid_argument("bad date " + date);
    }
    return t;
}

// Party ids; user accounts are "u-" + id.
inline const PartyId mother = "mother";
inline const PartyId father = "father";
inline const PartyId sam = "sam";     // the child, born 2015-09-15
inline const PartyId lee = "lee";     // Sam's individual therapist
inline const PartyId alan = "alan";   // attorney for Father
inline const PartyId beth = "beth";   // attorney for Mother
inline const PartyId mia = "mia";     // minor's counsel for Sam
inline const PartyId judge = "court"; // the court
inline const UserId clinician_user = "u-clin";
inline const OrderId custody_order = "order-1";

inline Party make_party(const PartyId& id, Role role, const std::string& name) {
    Party p;
    p.id = id;
    p.role = role;
    p.name = name;
    p.user = "u-" + id;
    return p;
}

inline std::string hash_of_rendered_roi() {
    return std::string(64, 'a');
}

struct Family {
    CaseFacts facts;
    UnixTime now{day("2026-03-01")};
    int next_doc{1};

    explicit Family(ProcessMode mode = ProcessMode::open) {
        facts.id = "case-1";
        facts.rois.reserve(16); // tests hold references to ROIs while adding more
        facts.mode_history.push_back(ModeChange{mode, day("2025-01-01"), ""});
        facts.clinicians.push_back(clinician_user);
        facts.parties.push_back(make_party(mother, Role::parent, "Mary"));
        facts.parties.push_back(make_party(father, Role::parent, "Frank"));
        Party child = make_party(sam, Role::child, "Sam");
        child.date_of_birth = day("2015-09-15");
        facts.parties.push_back(child);
        Party therapist = make_party(lee, Role::child_therapist, "Dr. Lee");
        therapist.treats = sam;
        facts.parties.push_back(therapist);
        Party a = make_party(alan, Role::attorney, "Alan");
        a.represents = father;
        facts.parties.push_back(a);
        Party b = make_party(beth, Role::attorney, "Beth");
        b.represents = mother;
        facts.parties.push_back(b);
        Party m = make_party(mia, Role::minors_counsel, "Mia");
        m.represents = sam;
        facts.parties.push_back(m);
        facts.parties.push_back(make_party(judge, Role::court, "Superior Court"));

        CourtOrder order;
        order.id = custody_order;
        order.case_id = facts.id;
        order.document = "doc-order-1";
        order.court = "Superior Court of California, County of Alameda";
        order.case_number = "FL-2025-001";
        order.issued_at = day("2025-05-20");
        order.effective_at = day("2025-06-01");
        order.status = OrderStatus::verified;
        order.verified_by = clinician_user;
        order.custody.push_back(CustodyTerms{{}, CustodyKind::joint, {mother, father}});
        facts.orders.push_back(order);

        Agreement agreement;
        agreement.document = "doc-agreement";
        agreement.state = AgreementState::executed;
        agreement.executed_at = day("2025-07-01");
        agreement.mode = mode;
        agreement.closed_allowances.push_back(
            AgreementAllowance{{Role::attorney, Role::minors_counsel},
                               {InfoCategory::attendance, InfoCategory::payment},
                               AllowanceScope::client_only});
        agreement.open_allowances.push_back(AgreementAllowance{
            {Role::attorney, Role::minors_counsel, Role::court},
            {InfoCategory::attendance, InfoCategory::payment, InfoCategory::progress_report},
            AllowanceScope::whole_case});
        facts.agreement = agreement;
    }

    Party& party(const PartyId& id) {
        for (auto& p : facts.parties) {
            if (p.id == id) {
                return p;
            }
        }
        throw std::invalid_argument("no party " + id);
    }

    CourtOrder& order(const OrderId& id) {
        for (auto& o : facts.orders) {
            if (o.id == id) {
                return o;
            }
        }
        throw std::invalid_argument("no order " + id);
    }

    // A complete, active ROI about Sam, signed by Mother as legal custodian, releasing reports to `recipient`
    // for legal proceedings and coordination of care, in force until 2027-01-01.
    Roi& add_roi(const std::string& id, const PartyId& recipient, RecipientKind kind = RecipientKind::party) {
        Roi roi;
        roi.id = id;
        roi.case_id = facts.id;
        roi.document = "doc-" + id;
        roi.subject = sam;
        roi.discloser = "Dr. Rivera, Reunification Practice";
        roi.recipients.push_back(RoiRecipient{kind, recipient, std::nullopt, std::nullopt});
        roi.information.doc_types = {DocType::report};
        roi.information.description = "progress reports and session summaries";
        roi.purposes = {Purpose::legal_proceedings, Purpose::coordination_of_care};
        roi.direction = Direction::both;
        roi.expiry.date = day("2027-01-01");
        roi.statements = RequiredStatements{true, true, true, true};
        roi.template_version = "roi-2025.1";
        roi.document_sha256 = hash_of_rendered_roi();
        roi.signatures.push_back(RoiSignature{mother, SignerCapacity::parent_legal_custody,
                                              AuthorityRef{AuthorityKind::court_order, custody_order},
                                              day("2026-01-10"), "envelope-1"});
        roi.state = RoiState::active;
        roi.activated_at = day("2026-01-10");
        facts.rois.push_back(roi);
        return facts.rois.back();
    }

    Roi& roi(const RoiId& id) {
        for (auto& r : facts.rois) {
            if (r.id == id) {
                return r;
            }
        }
        throw std::invalid_argument("no roi " + id);
    }

    // A session summary about Sam, uploaded by the clinician on 2026-02-01. (Progress reports, attendance and
    // payment also go to counsel under the agreement; session summaries only under an ROI.)
    DocumentFacts doc(DocType type = DocType::report, InfoCategory category = InfoCategory::session_summary) {
        DocumentFacts d;
        d.id = "doc-" + std::to_string(next_doc++);
        d.case_id = facts.id;
        d.type = type;
        d.category = category;
        d.uploader = clinician_user;
        d.created_at = day("2026-02-01");
        d.subjects = {sam};
        return d;
    }

    DocumentFacts letter(LetterState state, const PartyId& author = father) {
        DocumentFacts d = doc(DocType::clarification_letter, InfoCategory::correspondence);
        d.uploader = "u-" + author;
        d.author = author;
        d.subjects = {author};
        ClarificationLetter l;
        l.author = author;
        l.child = sam;
        l.state = state;
        if (letter_is_released(state)) {
            l.release_targets = {lee};
            l.released_at = day("2026-02-10");
        }
        d.letter = l;
        return d;
    }

    ReleaseRequest as(const PartyId& id, std::optional<Purpose> purpose = std::nullopt) const {
        ReleaseRequest r;
        r.requester = requester_for_user(facts, "u-" + id, AccountKind::member);
        r.purpose = purpose;
        r.now = now;
        return r;
    }

    ReleaseRequest as_clinician() const {
        ReleaseRequest r;
        r.requester = requester_for_user(facts, clinician_user, AccountKind::clinician);
        r.now = now;
        return r;
    }

    Decision decide(const PartyId& who, const DocumentFacts& d, std::optional<Purpose> purpose = std::nullopt,
                    const Policy& policy = {}) const {
        return decide_release(ReleaseFacts{facts, d}, as(who, purpose), policy);
    }
};

} // namespace kinvault::domain::test
