"""Declaration and trader risk: features known at filing, a heterogeneous GNN
trained on examined GDs with a time split, its baselines, reasons, and the
selectivity channel."""
from analytics.risk.pipeline import score_risk, train_risk
from analytics.risk.selectivity import SelectivityConfig
from analytics.risk.train import RiskConfig

__all__ = ["RiskConfig", "SelectivityConfig", "score_risk", "train_risk"]
