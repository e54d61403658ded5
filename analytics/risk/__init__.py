"""Declaration and trader risk: features known at filing, a heterogeneous GNN
trained on examined GDs with a time split, its baselines, reasons, and the
selectivity channel."""
from nigah.analytics.risk.pipeline import score_risk, train_risk
from nigah.analytics.risk.selectivity import SelectivityConfig
from nigah.analytics.risk.train import RiskConfig

__all__ = ["RiskConfig", "SelectivityConfig", "score_risk", "train_risk"]
