//! Upstream's mapping engine (keystone/federation/utils.py RuleProcessor) and mapping validation.
