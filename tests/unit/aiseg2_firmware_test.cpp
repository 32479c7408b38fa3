// The unit's firmware update (DOMAIN R10-R13) in virtual time: a 30-minute
// install takes milliseconds, and a power cut can land in any phase.
#include "devices/aiseg2/firmware.hpp"

#include <gtest/gtest.h>

using namespace hemsrig;
using namespace hemsrig::aiseg2;

namespace {

// The cloud's firmware catalogue for the state machine alone; the HTTP
// distribution is tested end to end with the cloud.
class Catalogue : public FirmwareSource {
 public:
  Catalogue(sim::Engine& engine, FirmwareRelease latest, Bytes image)
      : engine_(engine), latest_(std::move(latest)), image_(std::move(image)) {}
  void latest(const std::string& /*model*/,
              std::function<void(Result<FirmwareRelease>)> done) override {
    ++checks;
    engine_.after(std::chrono::seconds(2), [this, done] {
      if (offline) return done(make_error("offline", "the cloud cannot be reached"));
      done(latest_);
    });
  }
  void download(const FirmwareRelease& /*release*/,
                std::function<void(Result<Bytes>)> done) override {
    engine_.after(std::chrono::seconds(20), [this, done] {
      if (offline) return done(make_error("offline", "the cloud cannot be reached"));
      done(image_);
    });
  }
  bool offline = false;
  int checks = 0;

 private:
  sim::Engine& engine_;
  FirmwareRelease latest_;

 public:
  Bytes image_;  // tests swap it to corrupt the download
};

class FirmwareUpdate : public ::testing::Test {
 protected:
  FirmwareUpdate()
      : image_{'f', 'w', '2', '5', '0'},
        catalogue_(engine_,
                   FirmwareRelease{"Ver.2.50A-01", "安定性を改善しました。", "/fw/2.50",
                                   sha256_hex(image_)},
                   image_) {}

  std::unique_ptr<Firmware> make(BankMode banks = BankMode::Dual,
                                 std::string running = "Ver.2.40Q-01") {
    auto fw = std::make_unique<Firmware>(engine_, catalogue_, "MKN704", std::move(running),
                                         FirmwareOptions{.banks = banks});
    fw->on_event([this](const FirmwareEvent& e) { events_.push_back(to_string(e.kind)); });
    return fw;
  }
  void to_update_available(Firmware& fw) {
    ASSERT_TRUE(fw.check().ok());
    engine_.run_for(std::chrono::seconds(5));
    ASSERT_EQ(fw.state(), FirmwareState::UpdateAvailable);
  }
  bool saw(const std::string& kind) const {
    return std::find(events_.begin(), events_.end(), kind) != events_.end();
  }

  sim::Engine engine_;
  Bytes image_;
  Catalogue catalogue_;
  std::vector<std::string> events_;
};

TEST_F(FirmwareUpdate, CheckShowsTheCheckingScreenThenUpdateAvailableWithReleaseNotes) {
  auto fw = make();
  ASSERT_TRUE(fw->check().ok());
  EXPECT_EQ(fw->state(), FirmwareState::Checking);
  EXPECT_EQ(fw->screen(), "確認中です。しばらくお待ちください。");  // DOMAIN R11
  engine_.run_for(std::chrono::seconds(5));
  EXPECT_EQ(fw->state(), FirmwareState::UpdateAvailable);
  ASSERT_TRUE(fw->available());
  EXPECT_EQ(fw->available()->release_notes, "安定性を改善しました。");
}

TEST_F(FirmwareUpdate, RunningTheLatestShowsLatestAndAcknowledgeGoesBack) {
  auto fw = make(BankMode::Dual, "Ver.2.50A-01");
  ASSERT_TRUE(fw->check().ok());
  engine_.run_for(std::chrono::seconds(5));
  EXPECT_EQ(fw->state(), FirmwareState::Latest);
  EXPECT_FALSE(fw->install().ok()) << "nothing to install on the latest version";
  ASSERT_TRUE(fw->acknowledge().ok());
  EXPECT_EQ(fw->state(), FirmwareState::Idle);
}

TEST_F(FirmwareUpdate, OfflineCheckFailsWithAnError) {  // DOMAIN R10
  auto fw = make();
  catalogue_.offline = true;
  ASSERT_TRUE(fw->check().ok());
  engine_.run_for(std::chrono::seconds(5));
  EXPECT_EQ(fw->state(), FirmwareState::Idle);
  EXPECT_TRUE(saw("check_failed"));
  EXPECT_NE(fw->screen().find("インターネット"), std::string::npos);
}

TEST_F(FirmwareUpdate, InstallTakesThirtyMinutesThenRebootsIntoTheNewVersion) {  // DOMAIN R12
  auto fw = make();
  to_update_available(*fw);
  ASSERT_TRUE(fw->install().ok());
  engine_.run_for(std::chrono::minutes(1));
  EXPECT_EQ(fw->state(), FirmwareState::Installing);
  EXPECT_EQ(fw->screen(), "更新には最大約30分かかります（目安）。");
  engine_.run_for(std::chrono::minutes(28));
  EXPECT_EQ(fw->state(), FirmwareState::Installing) << "not done before 30 minutes";
  engine_.run_for(std::chrono::minutes(2));
  EXPECT_EQ(fw->state(), FirmwareState::Rebooting);
  EXPECT_EQ(fw->running_version(), "Ver.2.40Q-01");
  engine_.run_for(std::chrono::minutes(3));
  EXPECT_EQ(fw->state(), FirmwareState::Idle);
  EXPECT_EQ(fw->running_version(), "Ver.2.50A-01");
  EXPECT_EQ(events_, (std::vector<std::string>{"update_available", "install_started", "installed",
                                               "shutting_down", "booted"}));
}

TEST_F(FirmwareUpdate, ADownloadThatFailsItsChecksumIsNotInstalled) {
  auto fw = make();
  to_update_available(*fw);
  catalogue_.image_ = {'b', 'a', 'd'};
  ASSERT_TRUE(fw->install().ok());
  engine_.run_for(std::chrono::minutes(1));
  EXPECT_TRUE(saw("checksum_mismatch"));
  EXPECT_EQ(fw->state(), FirmwareState::UpdateAvailable);
  engine_.run_for(std::chrono::hours(1));
  EXPECT_EQ(fw->running_version(), "Ver.2.40Q-01");
}

TEST_F(FirmwareUpdate, DualBankPowerCutDuringInstallBootsThePreviousVersionAndARetrySucceeds) {
  auto fw = make(BankMode::Dual);
  to_update_available(*fw);
  ASSERT_TRUE(fw->install().ok());
  engine_.run_for(std::chrono::minutes(10));
  ASSERT_EQ(fw->state(), FirmwareState::Installing);
  fw->power_cut();
  engine_.run_for(std::chrono::hours(1));  // the install timer must not finish a dead install
  EXPECT_EQ(fw->state(), FirmwareState::PoweredOff);
  fw->power_restore();
  engine_.run_for(std::chrono::minutes(5));
  EXPECT_EQ(fw->state(), FirmwareState::Idle);
  EXPECT_EQ(fw->running_version(), "Ver.2.40Q-01");
  EXPECT_TRUE(saw("update_failed"));
  EXPECT_NE(fw->last_failure().find("installing Ver.2.50A-01"), std::string::npos);
  // A retry succeeds.
  to_update_available(*fw);
  ASSERT_TRUE(fw->install().ok());
  engine_.run_for(std::chrono::minutes(40));
  EXPECT_EQ(fw->running_version(), "Ver.2.50A-01");
  EXPECT_TRUE(fw->last_failure().empty());
}

TEST_F(FirmwareUpdate, SingleBankPowerCutDuringInstallLeavesTheUnitUnbootableUntilRecovered) {
  auto fw = make(BankMode::Single);
  to_update_available(*fw);
  ASSERT_TRUE(fw->install().ok());
  engine_.run_for(std::chrono::minutes(10));
  fw->power_cut();
  fw->power_restore();
  engine_.run_for(std::chrono::hours(1));
  EXPECT_EQ(fw->state(), FirmwareState::Unbootable);
  EXPECT_FALSE(fw->check().ok());
  fw->power_cut();
  fw->power_restore();
  EXPECT_EQ(fw->state(), FirmwareState::Unbootable) << "cycling power does not help";
  ASSERT_TRUE(fw->recover().ok());
  engine_.run_for(std::chrono::minutes(5));
  EXPECT_EQ(fw->state(), FirmwareState::Idle);
  EXPECT_EQ(fw->running_version(), "Ver.2.40Q-01");
}

TEST_F(FirmwareUpdate, PowerCutInEveryOtherPhaseBootsAWorkingUnit) {
  struct Case {
    sim::Duration after_install;  // how long after install() the power goes
    std::string expect_version;
  };
  // Downloading (10 s in), installing in dual bank (5 min), rebooting (31 min: already installed).
  for (const auto& c : {Case{std::chrono::seconds(10), "Ver.2.40Q-01"},
                        Case{std::chrono::minutes(5), "Ver.2.40Q-01"},
                        Case{std::chrono::minutes(31), "Ver.2.50A-01"}}) {
    auto fw = make(BankMode::Dual);
    to_update_available(*fw);
    ASSERT_TRUE(fw->install().ok());
    engine_.run_for(c.after_install);
    fw->power_cut();
    fw->power_restore();
    engine_.run_for(std::chrono::minutes(5));
    EXPECT_EQ(fw->state(), FirmwareState::Idle);
    EXPECT_EQ(fw->running_version(), c.expect_version);
  }
  // And during a check: the answer of the dead check is ignored.
  auto fw = make();
  ASSERT_TRUE(fw->check().ok());
  fw->power_cut();
  fw->power_restore();
  engine_.run_for(std::chrono::minutes(5));
  EXPECT_EQ(fw->state(), FirmwareState::Idle);
}

TEST_F(FirmwareUpdate, ScreensRefuseOutOfOrderActions) {
  auto fw = make();
  EXPECT_FALSE(fw->install().ok());
  ASSERT_TRUE(fw->check().ok());
  EXPECT_FALSE(fw->check().ok()) << "already checking";
  EXPECT_FALSE(fw->recover().ok());
}

}  // namespace
