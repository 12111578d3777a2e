// Court order terms as a clinician types them, one term per line (README "Court orders"; `kinvault order
// add --term`):
//
//   custody joint|sole HOLDER[, HOLDER...] [for CHILD[, CHILD...]]
//   mutual-consent SUBJECT[, SUBJECT...] [for CHILD[, ...]]
//   restrict WHO[, WHO...] [from INFO[, INFO...]] [about PARTY[, ...]] [: the order's words]
//   protect PARTY[, ...] from PARTY[, ...]
//   compel WHO[, ...] to receive INFO[, ...] [including SENSITIVITY[, ...]] [: the order's words]
//   supersedes ORDER-ID [in AREA[, AREA...]]
//   areas AREA[, AREA...]
//
// A party is named by its id or its name as recorded in the case (any case; quote a name that contains a
// keyword or a comma: "Dr. Ann For"). WHO is a party or a role (parent, child, child-therapist, attorney,
// minors-counsel, court, clinician: everyone in that role). INFO is a document type (report, court-order,
// roi, clarification-letter, reunification-agreement, other) or an information category (attendance,
// payment, progress-report, assessment, session-summary, correspondence, legal, general). SUBJECT is a
// decision (mental-health-treatment, release-of-information, medical, education, other), SENSITIVITY
// psychotherapy-notes or substance-use, AREA legal-custody, physical-custody, information-sharing, contact,
// protective, therapy or release.
#pragma once

#include "common/result.h"
#include "domain/case_facts.h"
#include "domain/court_order.h"

#include <string>
#include <vector>

namespace kinvault::services {

// Adds every term to `order`. All problems are reported together, each with its term number.
[[nodiscard]] Status apply_order_terms(domain::CourtOrder& order, const std::vector<std::string>& terms,
                                       const domain::CaseFacts& facts);

} // namespace kinvault::services
