package drstest

import "time"

// Job IDs of DefaultScenario.
const (
	// ExampleJobID is the job of Huawei's published example; its
	// pre-check passes with the published check items.
	ExampleJobID = "140b5236-88ad-43c8-811c-1268453jb101"
	// AlarmJobID's pre-check raises an ALARM and still passes.
	AlarmJobID = "2f6c4a1e-5b7d-4c3e-9f8a-0d1e2f3a4b02"
	// FailingJobID's pre-check fails: FAILED items with reasons and failed
	// sub-jobs.
	FailingJobID = "8a9b0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c03"
	// RunningJobID is in INCRE_TRANSFER_STARTED: forStartJob is refused
	// (DRS.M00304), forRetryJob runs a passing pre-check.
	RunningJobID = "c4d5e6f7-0819-4a2b-9c3d-4e5f60718204"
)

// DefaultScenario returns the demo scenario: project DefaultProjectID and
// four jobs whose pre-checks take a few seconds (ExampleJobID, AlarmJobID,
// FailingJobID, RunningJobID), no faults. Each call returns a fresh copy.
func DefaultScenario() Scenario {
	return Scenario{
		ProjectID: DefaultProjectID,
		Jobs: []Job{
			{ID: ExampleJobID, State: StateConfiguration, Direction: DirectionUp, Duration: 3 * time.Second,
				RDSInstanceID: "e05a3679efe241d8b5dee80b17c1a863in01",
				Items: []CheckItem{
					{Item: "dstDbDiskSize", Group: "db_disk_size", Result: ResultPassed,
						Data: `{"diskSizeTimes":"1.5","dstVolumeSize":"37660000000","srcIndexSize":0,"size":"0","srcIndexAmount":0}`},
					{Item: "srcBinlogFormatCheck", Group: "db_params", Result: ResultPassed},
					{Item: "dstStatusCheck", Group: "db_target_status", Result: ResultPassed},
					{Item: "srcDbConnection", Group: "network", Result: ResultPassed},
				}},
			{ID: AlarmJobID, State: StateConfiguration, Direction: DirectionUp, Duration: 2 * time.Second,
				RDSInstanceID: "7d2c9e04b1a34f6e8c5d3b2a1f0e9d8cin01",
				Items: []CheckItem{
					{Item: "srcDbConnection", Group: "network", Result: ResultPassed},
					{Item: "srcDbVersionCheck", Group: "db_version", Result: ResultPassed,
						Data: `{"srcVersion":"5.7.38","dstVersion":"8.0.28"}`},
					{Item: "dstDbCharacterSetCheck", Group: "db_params", Result: ResultAlarm,
						FailedReason: "The character sets of the source and destination databases differ (utf8 vs utf8mb4); check that the data is not garbled after migration.",
						Data:         `{"srcCharset":"utf8","dstCharset":"utf8mb4"}`},
					{Item: "dstDbDiskSize", Group: "db_disk_size", Result: ResultPassed},
				}},
			{ID: FailingJobID, State: StateConfiguration, Direction: DirectionUp, Duration: 4 * time.Second,
				RDSInstanceID: "3b8e1f5a9c7d4e2fb6a0c9d8e7f6a5b4in01",
				Items: []CheckItem{
					{Item: "srcDbConnection", Group: "network", Result: ResultPassed},
					{Item: "srcDbUserPrivilege", Group: "db_user_privilege", Result: ResultFailed,
						FailedReason: "The source database user lacks the privileges REPLICATION SLAVE, REPLICATION CLIENT.",
						RawErrorMsg:  "Access denied; you need (at least one of) the REPLICATION SLAVE privilege(s) for this operation",
						Data:         `{"user":"drs_user","missingPrivileges":["REPLICATION SLAVE","REPLICATION CLIENT"]}`},
					{Item: "srcBinlogFormatCheck", Group: "db_params", Result: ResultPassed},
					{Item: "srcTableEngineCheck", Group: "db_params", Result: ResultFailed,
						FailedReason: "Tables of unsupported storage engines (MyISAM) cannot be migrated incrementally.",
						Data:         "orders_db.audit_log, orders_db.legacy_events", // not JSON, as often
						FailedSubJobs: []FailedSubJob{
							{ID: "5e6f7a8b-1c2d-4e3f-a4b5-c6d7e8f90101", Name: "orders_db.audit_log", CheckResult: ResultFailed},
							{ID: "5e6f7a8b-1c2d-4e3f-a4b5-c6d7e8f90102", Name: "orders_db.legacy_events", CheckResult: ResultFailed},
						}},
					{Item: "dstDbDiskSize", Group: "db_disk_size", Result: ResultPassed},
				}},
			{ID: RunningJobID, State: StateIncreTransferStarted, Direction: DirectionDown, Duration: 2 * time.Second,
				RDSInstanceID: "9f0e1d2c3b4a4958a6b7c8d9e0f1a2b3in01",
				Items: []CheckItem{
					{Item: "srcDbConnection", Group: "network", Result: ResultPassed},
					{Item: "dstDbConnection", Group: "network", Result: ResultPassed},
					{Item: "objectConsistencyCheck", Group: "db_params", Result: ResultPassed},
				}},
		},
	}
}
