#include "devices/aiseg2/firmware.hpp"

#include <openssl/evp.h>

#include <fmt/format.h>

namespace hemsrig::aiseg2 {

const char* to_string(FirmwareState s) {
  switch (s) {
    case FirmwareState::Idle:
      return "idle";
    case FirmwareState::Checking:
      return "checking";
    case FirmwareState::Latest:
      return "latest";
    case FirmwareState::UpdateAvailable:
      return "update_available";
    case FirmwareState::Downloading:
      return "downloading";
    case FirmwareState::Installing:
      return "installing";
    case FirmwareState::Rebooting:
      return "rebooting";
    case FirmwareState::PoweredOff:
      return "powered_off";
    case FirmwareState::Unbootable:
      return "unbootable";
  }
  return "?";
}

const char* to_string(FirmwareEvent::Kind k) {
  using K = FirmwareEvent::Kind;
  switch (k) {
    case K::CheckFailed:
      return "check_failed";
    case K::Latest:
      return "latest";
    case K::UpdateAvailable:
      return "update_available";
    case K::DownloadFailed:
      return "download_failed";
    case K::ChecksumMismatch:
      return "checksum_mismatch";
    case K::InstallStarted:
      return "install_started";
    case K::Installed:
      return "installed";
    case K::ShuttingDown:
      return "shutting_down";
    case K::Booted:
      return "booted";
    case K::UpdateFailed:
      return "update_failed";
    case K::Unbootable:
      return "unbootable";
    case K::Recovered:
      return "recovered";
  }
  return "?";
}

std::string sha256_hex(const Bytes& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

Firmware::Firmware(sim::Engine& engine, FirmwareSource& source, std::string model,
                   std::string running_version, FirmwareOptions options)
    : engine_(engine),
      source_(source),
      model_(std::move(model)),
      running_(std::move(running_version)),
      options_(options) {}

Firmware::~Firmware() {
  ++generation_;  // callbacks still in the source find a dead generation
  engine_.cancel(timer_);
}

void Firmware::emit(FirmwareEvent::Kind kind, std::string version, std::string detail) {
  const FirmwareEvent e{kind, std::move(version), std::move(detail)};
  for (const auto& l : listeners_) l(e);
}

Status Firmware::check() {
  if (state_ != FirmwareState::Idle && state_ != FirmwareState::Latest &&
      state_ != FirmwareState::UpdateAvailable) {
    return make_error("busy", fmt::format("the firmware screens are busy ({})", to_string(state_)));
  }
  state_ = FirmwareState::Checking;
  check_error_.clear();
  const std::uint64_t gen = generation_;
  source_.latest(model_, [this, gen](Result<FirmwareRelease> r) {
    if (stale(gen) || state_ != FirmwareState::Checking) return;
    if (!r) {
      // DOMAIN R10: an update check works only online; offline it fails with an error.
      check_error_ = r.error().code == "offline" ? "offline" : r.error().message;
      state_ = FirmwareState::Idle;
      emit(FirmwareEvent::Kind::CheckFailed, {}, r.error().code + ": " + r.error().message);
      return;
    }
    if (r->version == running_) {
      available_.reset();
      state_ = FirmwareState::Latest;
      emit(FirmwareEvent::Kind::Latest, running_);
    } else {
      available_ = *r;
      state_ = FirmwareState::UpdateAvailable;
      emit(FirmwareEvent::Kind::UpdateAvailable, r->version, r->release_notes);
    }
  });
  return ok_status();
}

Status Firmware::acknowledge() {
  if (state_ != FirmwareState::Latest && state_ != FirmwareState::UpdateAvailable &&
      state_ != FirmwareState::Idle) {
    return make_error("busy", fmt::format("nothing to acknowledge while {}", to_string(state_)));
  }
  state_ = FirmwareState::Idle;
  check_error_.clear();
  return ok_status();
}

Status Firmware::install() {
  if (state_ != FirmwareState::UpdateAvailable || !available_) {
    return make_error("no_update", "install needs the update-available screen: check first");
  }
  state_ = FirmwareState::Downloading;
  const std::uint64_t gen = generation_;
  const FirmwareRelease release = *available_;
  source_.download(release, [this, gen, release](Result<Bytes> image) {
    if (stale(gen) || state_ != FirmwareState::Downloading) return;
    if (!image) {
      state_ = FirmwareState::UpdateAvailable;
      emit(FirmwareEvent::Kind::DownloadFailed, release.version,
           image.error().code + ": " + image.error().message);
      return;
    }
    const std::string got = sha256_hex(*image);
    if (got != release.sha256) {
      state_ = FirmwareState::UpdateAvailable;
      emit(FirmwareEvent::Kind::ChecksumMismatch, release.version,
           fmt::format("SHA-256 of the download is {}, the release says {}", got, release.sha256));
      return;
    }
    begin_install();
  });
  return ok_status();
}

void Firmware::begin_install() {
  // DOMAIN R12: installing takes up to about 30 minutes (a parameter).
  state_ = FirmwareState::Installing;
  emit(FirmwareEvent::Kind::InstallStarted, available_->version);
  const std::uint64_t gen = generation_;
  timer_ = engine_.after(options_.install_time, [this, gen] {
    if (!stale(gen)) finish_install();
  });
}

void Firmware::finish_install() {
  // DOMAIN R12: the completion screen shows, then the unit reboots.
  installed_version_ = available_->version;
  emit(FirmwareEvent::Kind::Installed, installed_version_);
  reboot();
}

void Firmware::reboot() {
  emit(FirmwareEvent::Kind::ShuttingDown, running_);
  start_booting();
}

void Firmware::start_booting() {
  state_ = FirmwareState::Rebooting;
  const std::uint64_t gen = generation_;
  timer_ = engine_.after(options_.reboot_time, [this, gen] {
    if (!stale(gen)) boot();
  });
}

void Firmware::boot() {
  if (!installed_version_.empty()) {
    running_ = installed_version_;
    installed_version_.clear();
    last_failure_.clear();
  }
  available_.reset();
  state_ = FirmwareState::Idle;
  if (!pending_failure_.empty()) {
    last_failure_ = std::exchange(pending_failure_, {});
    emit(FirmwareEvent::Kind::UpdateFailed, running_, last_failure_);
  }
  emit(FirmwareEvent::Kind::Booted, running_);
}

void Firmware::power_cut() {
  if (state_ == FirmwareState::PoweredOff) return;
  ++generation_;
  engine_.cancel(timer_);
  cut_in_ = state_;
  state_ = FirmwareState::PoweredOff;
}

void Firmware::power_restore() {
  if (state_ != FirmwareState::PoweredOff) return;
  const std::string target = available_ ? available_->version : std::string{};
  switch (cut_in_) {
    case FirmwareState::Installing:
      if (options_.banks == BankMode::Single) {
        // The only bank was half written: nothing to boot.
        state_ = FirmwareState::Unbootable;
        emit(FirmwareEvent::Kind::Unbootable, target, "power was lost while installing " + target);
        return;
      }
      // The other bank was half written; the running bank is intact.
      pending_failure_ = "power was lost while installing " + target;
      break;
    case FirmwareState::Downloading:
      pending_failure_ = "power was lost while downloading " + target;
      break;
    case FirmwareState::Unbootable:
      state_ = FirmwareState::Unbootable;
      return;
    default:
      break;  // Rebooting: the new version is already in place and boots.
  }
  start_booting();
}

Status Firmware::recover() {
  if (state_ != FirmwareState::Unbootable)
    return make_error("not_unbootable", "recovery is only for an unbootable unit");
  emit(FirmwareEvent::Kind::Recovered, running_);
  start_booting();
  return ok_status();
}

std::string Firmware::screen() const {
  switch (state_) {
    case FirmwareState::Idle:
      if (check_error_ == "offline") {
        // DOMAIN R10: updates can be checked only with an Internet connection (manual p4).
        return "インターネット回線に接続していないため、ファームウェアを確認できません。";
      }
      if (!last_failure_.empty())
        return "バージョン情報 " + running_ + "\nファームウェアの更新に失敗しました。";
      return "バージョン情報 " + running_;
    case FirmwareState::Checking:
      return "確認中です。しばらくお待ちください。";
    case FirmwareState::Latest:
      return "最新のファームウェアをお使いです。";
    case FirmwareState::UpdateAvailable:
      return "更新するファームウェアがあります。 " +
             (available_ ? available_->version : std::string{});
    case FirmwareState::Downloading:
      return "ファームウェアをダウンロードしています。";
    case FirmwareState::Installing:
      return "更新には最大約30分かかります（目安）。";
    case FirmwareState::Rebooting:
      return "更新完了。AiSEG2が再起動します。";
    case FirmwareState::PoweredOff:
      return "";
    case FirmwareState::Unbootable:
      return "";
  }
  return "";
}

}  // namespace hemsrig::aiseg2
