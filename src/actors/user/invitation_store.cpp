#include "actors/user/invitation_store.hpp"

#include "storage/codec.hpp"

namespace chat {

errc invitation_store::pending_for(const std::string& user,
                                   std::vector<invitation_record>* out) const {
  out->clear();
  bool corrupt = false;
  auto rc = db_.scan_prefix(storage::column::invitations, user + '/',
                            [&](std::string_view, std::string_view value) {
                              invitation_record r;
                              if (!storage::decode(value, r)) {
                                corrupt = true;
                                return false;
                              }
                              out->push_back(std::move(r));
                              return true;
                            });
  return corrupt ? errc::internal : rc;
}

void invitation_store::put(storage::write_batch& b, const invitation_record& inv) const {
  b.put(storage::column::invitations, inv.to + '/' + inv.id, storage::encode(inv));
}

void invitation_store::remove(storage::write_batch& b, const invitation_record& inv) const {
  b.del(storage::column::invitations, inv.to + '/' + inv.id);
}

} // namespace chat
