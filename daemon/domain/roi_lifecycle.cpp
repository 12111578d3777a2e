#include "domain/roi_lifecycle.h"

#include "domain/authority.h"

#include <algorithm>
#include <string>

namespace kinvault::domain {

namespace {

Status move(Roi& roi, RoiState to, UnixTime at) {
    if (!roi_transition_allowed(roi.state, to)) {
        return make_error(Errc::conflict, "an ROI that is " + std::string(to_string(roi.state)) +
                                              " cannot become " + std::string(to_string(to)));
    }
    roi.state = to;
    roi.state_changed_at = at;
    return {};
}

} // namespace

Status send_roi_for_signature(Roi& roi, const CaseFacts& facts, UnixTime at, const Policy& policy) {
    if (roi.state != RoiState::draft) {
        return make_error(Errc::conflict, "only a draft ROI can be sent for signature");
    }
    const auto defects = validate_roi(roi, facts, policy);
    if (!defects.empty()) {
        return make_error(Errc::invalid_input, describe_defects(defects));
    }
    return move(roi, RoiState::pending_signatures, at);
}

Result<RoiState> record_roi_signature(Roi& roi, const RoiSignature& signature, const CaseFacts& facts,
                                      const Policy& policy) {
    if (roi.state != RoiState::pending_signatures) {
        return make_error(Errc::conflict,
                          "signatures are recorded only on an ROI pending signatures; this one is " +
                              std::string(to_string(roi.state)));
    }
    if (std::any_of(roi.signatures.begin(), roi.signatures.end(),
                    [&signature](const RoiSignature& s) { return s.signer == signature.signer; })) {
        return make_error(Errc::conflict,
                          party_label(facts, signature.signer) + " has already signed this ROI");
    }
    // The signature's own form (capacity, named authority, date) is checked like any other element.
    Roi probe = roi;
    probe.signatures = {signature};
    std::vector<RoiDefect> defects;
    for (auto& d : validate_roi(probe, facts, policy)) {
        if (d.field.rfind("signatures[", 0) == 0) {
            defects.push_back(std::move(d));
        }
    }
    if (!defects.empty()) {
        return make_error(Errc::invalid_input, describe_defects(defects));
    }
    const auto req = required_authorisers(facts, roi.subject, roi.decision_subjects,
                                          roi.minor_consented_services, signature.signed_at, policy);
    const bool allowed =
        std::any_of(req.signers.begin(), req.signers.end(),
                    [&signature](const RequiredSigner& r) { return r.party == signature.signer; });
    if (!req.satisfiable || !allowed) {
        return make_error(Errc::forbidden, party_label(facts, signature.signer) +
                                               " cannot authorise this release (rule 5): " + req.explanation);
    }
    roi.signatures.push_back(signature);
    const auto check = check_authorisation(roi, facts, signature.signed_at, policy);
    if (check.satisfied) {
        KV_TRY(move(roi, RoiState::active, signature.signed_at));
        roi.activated_at = signature.signed_at;
    }
    return roi.state;
}

Status revoke_roi(Roi& roi, const Revocation& revocation, const CaseFacts& facts, const Policy& policy) {
    if (roi.state != RoiState::active && roi.state != RoiState::suspended) {
        return make_error(Errc::conflict, "only an active or suspended ROI can be revoked; this one is " +
                                              std::string(to_string(roi.state)));
    }
    KV_TRY(may_revoke(roi, revocation.by, facts, revocation.at, policy));
    if (revocation.recipient) {
        auto it =
            std::find_if(roi.recipients.begin(), roi.recipients.end(), [&revocation](const RoiRecipient& r) {
                return r.party == *revocation.recipient && !r.revoked_at;
            });
        if (it == roi.recipients.end()) {
            return make_error(Errc::not_found, "the ROI has no unrevoked recipient " + *revocation.recipient);
        }
        it->revoked_at = revocation.at;
        it->revoked_by = revocation.by;
        const bool any_left = std::any_of(roi.recipients.begin(), roi.recipients.end(),
                                          [](const RoiRecipient& r) { return !r.revoked_at; });
        if (any_left) {
            return {};
        }
    }
    KV_TRY(move(roi, RoiState::revoked, revocation.at));
    roi.revoked_at = revocation.at;
    roi.revoked_by = revocation.by;
    return {};
}

Status suspend_roi(Roi& roi, std::string reason, UnixTime at) {
    KV_TRY(move(roi, RoiState::suspended, at));
    roi.suspension_reason = std::move(reason);
    return {};
}

Status reinstate_roi(Roi& roi, const CaseFacts& facts, UnixTime at, const Policy& policy) {
    if (roi.state != RoiState::suspended) {
        return make_error(Errc::conflict, "only a suspended ROI can be reinstated");
    }
    const auto end = roi_end(roi, facts, policy);
    if (end && *end <= at) {
        return make_error(Errc::conflict, "the ROI has expired; a renewal is a new ROI");
    }
    Roi reviewed = roi;
    reviewed.reviewed_at = at;
    const auto check = check_authorisation(reviewed, facts, at, policy);
    if (!check.satisfied) {
        return make_error(Errc::conflict, "cannot reinstate: " + check.explanation);
    }
    KV_TRY(move(roi, RoiState::active, at));
    roi.reviewed_at = at;
    roi.suspension_reason.clear();
    return {};
}

} // namespace kinvault::domain
