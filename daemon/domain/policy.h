// Practice policy for the rules domain.md marks (verify) or that depend on the state the practice works in.
// Defaults follow California, where the seed practice works; a practice elsewhere changes them in its
// configuration rather than in code.
#pragma once

namespace kinvault::domain {

struct Policy {
    // Rule 10. CA Family Code 6500: minority ends at 18, counted from the first minute of the birthday.
    int age_of_majority{18};

    // Rule 5. CA Family Code 6924 / Health and Safety Code 124260: a minor of 12 or more may consent to
    // outpatient mental health treatment; for those services only the minor authorises a release. (verify)
    int minor_consent_age{12};

    // Rule 7. Whether one joint legal custodian may revoke an ROI the other custodian signed. (verify)
    bool joint_custodian_may_revoke{true};

    // Process mode amendments apply only going forward (domain.md, agreement lifecycle). A document created
    // while the case was closed stays under closed rules after the case opens. When this is true, closing an
    // open case also stops further releases to attorneys and the court of documents created while it was
    // open; when false those documents keep the open-process terms they were created under. (verify)
    bool closing_reaches_back{true};

    // Rule 1 "own right of access": a party who is the only subject of a document they did not author may
    // read it. Off by default so such requests (HIPAA 45 CFR 164.524) go to clinician review, like
    // subpoenas. (verify)
    bool subject_right_of_access{false};

    // CA Civil Code 56.11 wants a specific end date on an authorization; HIPAA 45 CFR 164.508(c)(1)(v)
    // accepts a date or an event. When true an ROI with only an expiry event is defective. (verify)
    bool require_expiry_date{true};

    // Coordination readiness: an active ROI ending within this many days is reported as "expiring".
    int expiring_window_days{30};

    // Coordination readiness: a case without a verified, current court order or support plan is not ready.
    bool readiness_requires_order_or_plan{true};
};

} // namespace kinvault::domain
