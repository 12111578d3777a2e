#include "domain/roi.h"

#include "domain/case_facts.h"

#include <algorithm>
#include <string>

namespace kinvault::domain {

bool covers_outbound(Direction d) {
    return d == Direction::clinician_to_recipient || d == Direction::both;
}
bool covers_inbound(Direction d) {
    return d == Direction::recipient_to_clinician || d == Direction::both;
}

std::optional<UnixTime> roi_end(const Roi& roi, const CaseFacts& facts, const Policy& policy) {
    std::optional<UnixTime> end = roi.expiry.date;
    const auto earlier = [&end](UnixTime t) {
        if (!end || t < *end) {
            end = t;
        }
    };
    switch (roi.expiry.event) {
    case ExpiryEvent::none:
        break;
    case ExpiryEvent::subject_reaches_majority: {
        const Party* subject = find_party(facts, roi.subject);
        if (subject != nullptr && subject->role == Role::child && subject->date_of_birth) {
            earlier(day_reaching_age(*subject->date_of_birth, policy.age_of_majority));
        }
        break;
    }
    case ExpiryEvent::case_closed:
        if (facts.closed_at) {
            earlier(*facts.closed_at);
        }
        break;
    case ExpiryEvent::other:
        if (roi.expiry.event_occurred_at) {
            earlier(*roi.expiry.event_occurred_at);
        }
        break;
    }
    return end;
}

namespace {

bool is_sha256_hex(const std::string& s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

class DefectList {
public:
    void add(RoiDefectCode code, std::string field, std::string message) {
        m_defects.push_back(RoiDefect{code, std::move(field), std::move(message)});
    }
    std::vector<RoiDefect> take() { return std::move(m_defects); }

private:
    std::vector<RoiDefect> m_defects;
};

void validate_parties(const Roi& roi, const CaseFacts& facts, DefectList& out) {
    if (roi.subject.empty()) {
        out.add(RoiDefectCode::subject_missing, "subject",
                "whose information is released (the subject) is missing");
    } else if (find_party(facts, roi.subject) == nullptr) {
        out.add(RoiDefectCode::subject_unknown, "subject", "the subject is not a party of this case");
    }
    if (roi.discloser.empty()) {
        out.add(RoiDefectCode::discloser_missing, "discloser",
                "who may disclose (the practice or clinician) is missing (45 CFR 164.508(c)(1)(ii))");
    }
    if (roi.recipients.empty()) {
        out.add(RoiDefectCode::recipients_missing, "recipients",
                "no recipient is named (45 CFR 164.508(c)(1)(iii))");
    }
    for (std::size_t i = 0; i < roi.recipients.size(); ++i) {
        const auto& r = roi.recipients[i];
        const Party* p = r.party.empty() ? nullptr : find_party(facts, r.party);
        const std::string field = "recipients[" + std::to_string(i) + "].party";
        if (p == nullptr) {
            out.add(RoiDefectCode::recipient_unknown, field,
                    "recipient " + std::to_string(i + 1) + " does not name a party of this case");
        } else if (r.kind == RecipientKind::therapist_of && p->role != Role::child) {
            out.add(RoiDefectCode::recipient_unknown, field,
                    "recipient " + std::to_string(i + 1) + " is \"therapist of\" someone who is not a child");
        }
    }
}

void validate_information(const Roi& roi, DefectList& out) {
    const auto& info = roi.information;
    if (roi.kind == RoiKind::general && info.doc_types.empty() && info.categories.empty()) {
        out.add(RoiDefectCode::information_missing, "information",
                "the information covered (document types or categories) is not described "
                "(45 CFR 164.508(c)(1)(i))");
    }
    if (info.description.empty()) {
        out.add(RoiDefectCode::information_description_missing, "information.description",
                "the information covered is not described in words");
    }
    if (info.from && info.until && *info.from > *info.until) {
        out.add(RoiDefectCode::date_range_inverted, "information.until",
                "the covered date range ends before it starts");
    }
    const bool notes = info.sensitivity.has(Sensitivity::psychotherapy_notes);
    if (roi.kind == RoiKind::general && notes) {
        out.add(RoiDefectCode::psychotherapy_notes_on_general_roi, "information.sensitivity",
                "psychotherapy notes need an authorization of their own, never a general ROI "
                "(45 CFR 164.508(a)(2))");
    }
    if (roi.kind == RoiKind::psychotherapy_notes && !notes) {
        out.add(RoiDefectCode::psychotherapy_roi_without_notes, "information.sensitivity",
                "a psychotherapy-notes authorization must say it covers psychotherapy notes");
    }
    if (roi.kind == RoiKind::psychotherapy_notes && info.sensitivity.has(Sensitivity::substance_use)) {
        out.add(RoiDefectCode::psychotherapy_roi_combined, "information.sensitivity",
                "a psychotherapy-notes authorization may not be combined with other information "
                "(45 CFR 164.508(b)(3)(ii))");
    }
    if (info.sensitivity.has(Sensitivity::substance_use) && info.substance_use_description.empty()) {
        out.add(RoiDefectCode::substance_use_not_described, "information.substance_use_description",
                "substance use disorder information must be described explicitly (42 CFR 2.31(a)(3))");
    }
}

void validate_terms(const Roi& roi, const CaseFacts& facts, const Policy& policy, DefectList& out) {
    if (roi.purposes.empty()) {
        out.add(RoiDefectCode::purposes_missing, "purposes",
                "the purpose of the release is missing (45 CFR 164.508(c)(1)(iv))");
    }
    const auto& e = roi.expiry;
    if (!e.date && e.event == ExpiryEvent::none) {
        out.add(RoiDefectCode::expiry_missing, "expiry",
                policy.require_expiry_date ? "the expiry date is missing (CA Civil Code 56.11)"
                                           : "neither an expiry date nor an expiry event is given "
                                             "(45 CFR 164.508(c)(1)(v))");
    } else if (!e.date && policy.require_expiry_date) {
        out.add(RoiDefectCode::expiry_date_missing, "expiry.date",
                "an expiry event is given but the specific end date California requires is missing "
                "(CA Civil Code 56.11)");
    }
    if (e.event == ExpiryEvent::other && e.event_description.empty()) {
        out.add(RoiDefectCode::expiry_event_undescribed, "expiry.event_description",
                "the expiry event is not described");
    }
    if (e.date && roi.valid_from && *e.date <= *roi.valid_from) {
        out.add(RoiDefectCode::expiry_before_start, "expiry.date", "the ROI would expire before it starts");
    }
    const auto& s = roi.statements;
    if (!s.right_to_revoke) {
        out.add(RoiDefectCode::statement_right_to_revoke_missing, "statements.right_to_revoke",
                "the statement of the right to revoke and how is missing (45 CFR 164.508(c)(2)(i))");
    }
    if (!s.treatment_not_conditioned) {
        out.add(RoiDefectCode::statement_conditioning_missing, "statements.treatment_not_conditioned",
                "the statement whether treatment is conditioned on signing is missing (45 CFR "
                "164.508(c)(2)(ii))");
    }
    if (!s.redisclosure) {
        out.add(RoiDefectCode::statement_redisclosure_missing, "statements.redisclosure",
                "the redisclosure statement is missing (45 CFR 164.508(c)(2)(iii))");
    }
    if (!s.right_to_copy) {
        out.add(RoiDefectCode::statement_right_to_copy_missing, "statements.right_to_copy",
                "the statement of the right to a copy is missing (45 CFR 164.508(c)(4))");
    }
    if (roi.template_version.empty()) {
        out.add(RoiDefectCode::template_version_missing, "template_version",
                "the template version is missing");
    }
    if (!is_sha256_hex(roi.document_sha256)) {
        out.add(RoiDefectCode::document_hash_invalid, "document_sha256",
                "the SHA-256 of the rendered ROI is missing or not 64 lower-case hex digits");
    }
    if (roi.minor_consented_services) {
        const Party* subject = find_party(facts, roi.subject);
        if (subject == nullptr || subject->role != Role::child) {
            out.add(RoiDefectCode::minor_consent_subject_not_child, "minor_consented_services",
                    "only a child's own services can be marked as consented to by the minor");
        }
    }
}

void validate_signatures(const Roi& roi, const CaseFacts& facts, DefectList& out) {
    const Party* subject = find_party(facts, roi.subject);
    for (std::size_t i = 0; i < roi.signatures.size(); ++i) {
        const auto& sig = roi.signatures[i];
        const std::string at = "signatures[" + std::to_string(i) + "]";
        const std::string n = std::to_string(i + 1);
        const Party* signer = find_party(facts, sig.signer);
        if (signer == nullptr) {
            out.add(RoiDefectCode::signer_unknown, at + ".signer",
                    "signer " + n + " is not a party of this case");
            continue;
        }
        const bool for_self =
            sig.capacity == SignerCapacity::self || sig.capacity == SignerCapacity::minor_self;
        if (for_self && sig.signer != roi.subject) {
            out.add(RoiDefectCode::signer_capacity_mismatch, at + ".capacity",
                    "signer " + n + " signed for themselves but is not the subject");
        }
        if (sig.capacity == SignerCapacity::minor_self &&
            (subject == nullptr || subject->role != Role::child)) {
            out.add(RoiDefectCode::signer_capacity_mismatch, at + ".capacity",
                    "signer " + n + " signed as a minor but the subject is not a child");
        }
        if (sig.capacity == SignerCapacity::parent_legal_custody && signer->role != Role::parent) {
            out.add(RoiDefectCode::signer_capacity_mismatch, at + ".capacity",
                    "signer " + n + " signed as a parent but is not a parent in this case");
        }
        if (!for_self && sig.signer == roi.subject) {
            out.add(RoiDefectCode::signer_capacity_mismatch, at + ".capacity",
                    "signer " + n + " is the subject but signed as a representative");
        }
        if (!for_self && (sig.authority.kind == AuthorityKind::none || sig.authority.id.empty())) {
            out.add(RoiDefectCode::signer_authority_missing, at + ".authority",
                    "signer " + n +
                        " signed for another person without naming the authority relied on "
                        "(45 CFR 164.508(c)(1)(vi))");
        }
        if (sig.signed_at <= 0) {
            out.add(RoiDefectCode::signature_undated, at + ".signed_at", "signature " + n + " is not dated");
        }
    }
}

} // namespace

std::vector<RoiDefect> validate_roi(const Roi& roi, const CaseFacts& facts, const Policy& policy) {
    DefectList out;
    if (roi.document.empty()) {
        out.add(RoiDefectCode::document_missing, "document", "the ROI is not linked to its document");
    }
    validate_parties(roi, facts, out);
    validate_information(roi, out);
    validate_terms(roi, facts, policy, out);
    validate_signatures(roi, facts, out);
    return out.take();
}

std::string describe_defects(const std::vector<RoiDefect>& defects) {
    std::string out = "the ROI is defective: ";
    for (std::size_t i = 0; i < defects.size(); ++i) {
        if (i > 0) {
            out += "; ";
        }
        out += defects[i].message;
    }
    return out;
}

bool roi_transition_allowed(RoiState from, RoiState to) {
    using S = RoiState;
    switch (from) {
    case S::draft:
        return to == S::pending_signatures;
    case S::pending_signatures:
        return to == S::active;
    case S::active:
        return to == S::expired || to == S::revoked || to == S::superseded || to == S::suspended;
    case S::suspended:
        return to == S::active || to == S::expired || to == S::revoked || to == S::superseded;
    case S::expired:
    case S::revoked:
    case S::superseded:
        return false;
    }
    return false;
}

} // namespace kinvault::domain
