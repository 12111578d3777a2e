#include "services/consent/details.h"

#include "domain/authority.h"
#include "domain/roi_lifecycle.h"

namespace kinvault::services {

namespace {

void name(PartyNames& names, const CaseSnapshot& s, const std::string& id) {
    if (!id.empty()) {
        names[id] = party_name(s, id);
    }
}

std::string order_title(const domain::CourtOrder& o) {
    std::string t = o.kind == domain::OrderKind::support_plan ? "Support plan" : "Court order";
    if (!o.case_number.empty()) {
        t += " " + o.case_number;
    }
    if (!o.court.empty()) {
        t += " (" + o.court + ")";
    }
    return t;
}

} // namespace

RoiDetail roi_detail(const CaseSnapshot& snapshot, const domain::Roi& roi, UnixTime now,
                     const domain::Policy& policy) {
    RoiDetail d;
    d.roi = roi;
    d.ends_at = domain::roi_end(roi, snapshot.facts, policy);
    d.defects = domain::validate_roi(roi, snapshot.facts, policy);
    const auto check = domain::check_authorisation(roi, snapshot.facts, now, policy);
    d.authorisation = check.explanation;
    d.in_force = roi.state == domain::RoiState::active && (!d.ends_at || *d.ends_at > now) &&
                 (!roi.valid_from || *roi.valid_from <= now) && check.satisfied &&
                 check.lost_authority.empty() && !check.subject_now_adult && d.defects.empty();
    name(d.names, snapshot, roi.subject);
    for (const auto& r : roi.recipients) {
        name(d.names, snapshot, r.party);
        if (r.revoked_by) {
            name(d.names, snapshot, *r.revoked_by);
        }
    }
    for (const auto& s : roi.signatures) {
        name(d.names, snapshot, s.signer);
    }
    if (roi.revoked_by) {
        name(d.names, snapshot, *roi.revoked_by);
    }
    return d;
}

OrderDetail order_detail(const CaseSnapshot& snapshot, const domain::CourtOrder& order) {
    OrderDetail d;
    d.order = order;
    d.title = order_title(order);
    const auto all = [&](const std::vector<std::string>& ids) {
        for (const auto& id : ids) {
            name(d.names, snapshot, id);
        }
    };
    for (const auto& c : order.custody) {
        all(c.holders);
        all(c.children);
    }
    for (const auto& m : order.mutual_consent) {
        all(m.children);
    }
    for (const auto& r : order.restrictions) {
        all(r.barred_parties);
        all(r.about);
    }
    for (const auto& p : order.protective) {
        all(p.restrained);
        all(p.protected_parties);
    }
    for (const auto& c : order.compels) {
        all(c.recipients);
    }
    return d;
}

LetterDetail letter_detail(const CaseSnapshot& snapshot, const LetterRecord& letter) {
    LetterDetail d;
    d.letter = letter;
    name(d.names, snapshot, letter.letter.author);
    name(d.names, snapshot, letter.letter.child);
    for (const auto& t : letter.letter.release_targets) {
        name(d.names, snapshot, t);
    }
    return d;
}

} // namespace kinvault::services
