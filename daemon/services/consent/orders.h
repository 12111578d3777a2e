// Court orders (and support plans) with their terms: recorded by the clinician from the uploaded order,
// verified against the court's copy before they count, listed for whoever may read the order's document.
// How a clinician types the terms is in order_terms.h.
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "services/audit.h"
#include "services/consent/access.h"
#include "services/consent/details.h"
#include "services/consent/roi_lifecycle.h"
#include "services/context.h"

#include <string>
#include <vector>

namespace kinvault::services {

class Orders {
public:
    Orders(storage::Store& store, AuditLog& audit, ConsentAccess& access, ConsentRecords& records,
           RoiLifecycle& lifecycle, const Clock& clock);

    [[nodiscard]] Result<OrderDetail> add_order(const Principal& who, const std::string& case_id,
                                                domain::CourtOrder draft,
                                                const std::vector<std::string>& terms,
                                                const RequestInfo& req);
    // Counts from its effective date once verified; a new custody order can suspend ROIs (rule 8).
    [[nodiscard]] Result<OrderDetail> verify_order(const Principal& who, const std::string& order_id,
                                                   const RequestInfo& req);
    [[nodiscard]] Result<std::vector<OrderDetail>>
    list_orders(const Principal& who, const std::string& case_id, const RequestInfo& req);

private:
    storage::Store& m_store;
    AuditLog& m_audit;
    ConsentAccess& m_access;
    ConsentRecords& m_records;
    RoiLifecycle& m_lifecycle;
    const Clock& m_clock;
};

} // namespace kinvault::services
