// Wire names of the domain enums: persisted and sent over the API, so each must round-trip and stay unique.
#include "domain/agreement.h"
#include "domain/court_order.h"
#include "domain/document.h"
#include "domain/letter.h"
#include "domain/party.h"
#include "domain/release.h"
#include "domain/roi.h"
#include "domain/types.h"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace kinvault::domain;

namespace {

template <typename E, typename Parse>
void require_round_trip(std::initializer_list<E> values, Parse parse) {
    std::set<std::string> seen;
    for (const auto v : values) {
        const std::string name(to_string(v));
        INFO(name);
        REQUIRE(name != "unknown");
        REQUIRE(seen.insert(name).second);
        REQUIRE(parse(name) == v);
    }
    REQUIRE_FALSE(parse("no-such-name"));
}

} // namespace

TEST_CASE("every domain enum name round-trips and is unique", "[types]") {
    require_round_trip({Role::parent, Role::child, Role::clinician, Role::child_therapist, Role::attorney,
                        Role::minors_counsel, Role::court},
                       parse_role);
    require_round_trip({DocType::reunification_agreement, DocType::roi, DocType::court_order,
                        DocType::clarification_letter, DocType::report, DocType::other},
                       parse_doc_type);
    require_round_trip({ProcessMode::open, ProcessMode::closed}, parse_process_mode);
    require_round_trip({AccountKind::clinician, AccountKind::member}, parse_account_kind);
    require_round_trip({PartyStatus::active, PartyStatus::substituted, PartyStatus::withdrawn},
                       parse_party_status);
    require_round_trip({InfoCategory::general, InfoCategory::attendance, InfoCategory::payment,
                        InfoCategory::progress_report, InfoCategory::assessment,
                        InfoCategory::session_summary, InfoCategory::correspondence, InfoCategory::legal},
                       parse_info_category);
    require_round_trip({Sensitivity::psychotherapy_notes, Sensitivity::substance_use}, parse_sensitivity);
    require_round_trip({LetterState::draft, LetterState::submitted, LetterState::revisions_requested,
                        LetterState::revised, LetterState::approved, LetterState::released,
                        LetterState::archived, LetterState::withdrawn},
                       parse_letter_state);
    require_round_trip({OrderKind::court_order, OrderKind::support_plan}, parse_order_kind);
    require_round_trip({OrderStatus::received, OrderStatus::verified, OrderStatus::active,
                        OrderStatus::superseded, OrderStatus::vacated, OrderStatus::expired},
                       parse_order_status);
    require_round_trip({SubjectArea::legal_custody, SubjectArea::physical_custody,
                        SubjectArea::information_sharing, SubjectArea::contact, SubjectArea::protective,
                        SubjectArea::therapy, SubjectArea::release},
                       parse_subject_area);
    require_round_trip({CustodyKind::sole, CustodyKind::joint}, parse_custody_kind);
    require_round_trip({DecisionSubject::mental_health_treatment, DecisionSubject::release_of_information,
                        DecisionSubject::medical, DecisionSubject::education, DecisionSubject::other},
                       parse_decision_subject);
    require_round_trip({RoiState::draft, RoiState::pending_signatures, RoiState::active, RoiState::expired,
                        RoiState::revoked, RoiState::superseded, RoiState::suspended},
                       parse_roi_state);
    require_round_trip({RoiKind::general, RoiKind::psychotherapy_notes}, parse_roi_kind);
    require_round_trip(
        {Direction::clinician_to_recipient, Direction::recipient_to_clinician, Direction::both},
        parse_direction);
    require_round_trip(
        {RecipientKind::party, RecipientKind::counsel_of_record_for, RecipientKind::therapist_of},
        parse_recipient_kind);
    require_round_trip({Purpose::treatment, Purpose::coordination_of_care, Purpose::reunification_therapy,
                        Purpose::legal_proceedings, Purpose::payment, Purpose::at_request_of_individual},
                       parse_purpose);
    require_round_trip({SignerCapacity::self, SignerCapacity::parent_legal_custody, SignerCapacity::guardian,
                        SignerCapacity::minor_self},
                       parse_signer_capacity);
    require_round_trip({ExpiryEvent::none, ExpiryEvent::subject_reaches_majority, ExpiryEvent::case_closed,
                        ExpiryEvent::other},
                       parse_expiry_event);
    require_round_trip({AuthorityKind::none, AuthorityKind::court_order, AuthorityKind::custody_record},
                       parse_authority_kind);
    require_round_trip({AgreementState::draft, AgreementState::sent, AgreementState::partially_signed,
                        AgreementState::executed, AgreementState::superseded, AgreementState::terminated},
                       parse_agreement_state);
    require_round_trip({AllowanceScope::whole_case, AllowanceScope::client_only}, parse_allowance_scope);
}

TEST_CASE("rule codes are the stable names the audit log stores", "[types]") {
    // Renaming one would orphan every audit entry that cites it.
    REQUIRE(to_string(RuleCode::order_restriction) == "R2.order-restriction");
    REQUIRE(to_string(RuleCode::roi_permits) == "R3.roi");
    REQUIRE(to_string(RuleCode::closed_process) == "R6.closed-process");
    REQUIRE(to_string(RuleCode::revoked) == "R7.revoked");
    REQUIRE(to_string(RuleCode::subject_adult) == "R10.subject-adult");
    std::set<std::string> seen;
    for (int i = 0; i <= static_cast<int>(RuleCode::letter_release); ++i) {
        const auto code = static_cast<RuleCode>(i);
        const std::string name(to_string(code));
        REQUIRE(name != "unknown");
        REQUIRE(seen.insert(name).second);
        REQUIRE(parse_rule_code(name) == code);
    }
}

TEST_CASE("a sensitivity set is a subset only when every flag is listed", "[types]") {
    const SensitivitySet none;
    const SensitivitySet notes{Sensitivity::psychotherapy_notes};
    const SensitivitySet both{Sensitivity::psychotherapy_notes, Sensitivity::substance_use};
    REQUIRE(none.subset_of(notes));
    REQUIRE(notes.subset_of(both));
    REQUIRE_FALSE(both.subset_of(notes));
    REQUIRE(SensitivitySet::from_bits(both.bits()) == both);
}
