#include "devices/cloud/speaker_services.hpp"

namespace hemsrig::cloud {

SpeakerServices::SpeakerServices(MockCloud& cloud, SpeakerServicesOptions options)
    : cloud_(cloud),
      options_(std::move(options)),
      oauth_(cloud.engine(), options_.oauth),
      oauth_service_(cloud.club_ids(), oauth_, cloud.events()),
      link_(cloud.engine(), cloud.club_ids(), cloud.units(), cloud.app(), oauth_, cloud.events()),
      fulfillment_(cloud.engine(), oauth_, link_, cloud.units(), cloud.outbox(), cloud.events()) {
  oauth_.register_client(
      {options_.google.id, options_.google.secret, {options_.google.redirect_uri}});
}

Status SpeakerServices::install() {
  // DOMAIN R62: only an ID whose speaker registration reached the link step links.
  oauth_service_.set_link_gate(
      [this](const std::string& club_id) { return link_.may_link(club_id); });
  // DOMAIN R44: account deletion asks about the speakers; R24: a withdrawn ID.
  cloud_.app().set_speaker_hooks({[this](const std::string& club_id) {
                                    return link_.user(club_id) != nullptr ||
                                           link_.registration(club_id) != nullptr;
                                  },
                                  [this](const std::string& club_id) { link_.remove(club_id); }});
  cloud_.club_ids().on_withdrawn([this](const std::string& club_id) { link_.remove(club_id); });
  for (CloudService* s :
       std::initializer_list<CloudService*>{&oauth_service_, &link_, &fulfillment_}) {
    if (Status st = cloud_.add_service(*s); !st) return st;
  }
  return ok_status();
}

}  // namespace hemsrig::cloud
