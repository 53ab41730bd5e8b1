"""Contains all the data models used in inputs/outputs"""

from .done_event import DoneEvent
from .done_event_timings import DoneEventTimings
from .done_event_type import DoneEventType
from .encode_body import EncodeBody
from .encode_json import EncodeJson
from .encode_json_timings import EncodeJsonTimings
from .encode_json_usage import EncodeJsonUsage
from .encode_json_usage_counts_item import EncodeJsonUsageCountsItem
from .error_event import ErrorEvent
from .error_event_type import ErrorEventType
from .error_response import ErrorResponse
from .generate_body import GenerateBody
from .generate_body_format import GenerateBodyFormat
from .generate_body_grid_type_0 import GenerateBodyGridType0
from .generate_body_guidance import GenerateBodyGuidance
from .generate_body_sampler import GenerateBodySampler
from .generate_body_tau_type_1 import GenerateBodyTauType1
from .generate_json import GenerateJson
from .generate_stream_body import GenerateStreamBody
from .generate_stream_body_grid_type_0 import GenerateStreamBodyGridType0
from .generate_stream_body_guidance import GenerateStreamBodyGuidance
from .generate_stream_body_sampler import GenerateStreamBodySampler
from .generate_stream_body_tau_type_1 import GenerateStreamBodyTauType1
from .generated_image import GeneratedImage
from .generated_image_timings import GeneratedImageTimings
from .get_health_response_200 import GetHealthResponse200
from .get_health_response_503 import GetHealthResponse503
from .get_health_response_503_models import GetHealthResponse503Models
from .get_health_response_503_models_additional_property_type_0 import GetHealthResponse503ModelsAdditionalPropertyType0
from .get_health_response_503_models_additional_property_type_1 import GetHealthResponse503ModelsAdditionalPropertyType1
from .get_health_response_503_models_additional_property_type_2 import GetHealthResponse503ModelsAdditionalPropertyType2
from .get_health_response_503_models_additional_property_type_3 import GetHealthResponse503ModelsAdditionalPropertyType3
from .get_health_response_503_models_additional_property_type_4 import GetHealthResponse503ModelsAdditionalPropertyType4
from .get_models_response_200 import GetModelsResponse200
from .get_ready_response_200 import GetReadyResponse200
from .get_ready_response_503 import GetReadyResponse503
from .get_ready_response_503_models import GetReadyResponse503Models
from .get_ready_response_503_models_additional_property_type_0 import GetReadyResponse503ModelsAdditionalPropertyType0
from .get_ready_response_503_models_additional_property_type_1 import GetReadyResponse503ModelsAdditionalPropertyType1
from .get_ready_response_503_models_additional_property_type_2 import GetReadyResponse503ModelsAdditionalPropertyType2
from .get_ready_response_503_models_additional_property_type_3 import GetReadyResponse503ModelsAdditionalPropertyType3
from .get_ready_response_503_models_additional_property_type_4 import GetReadyResponse503ModelsAdditionalPropertyType4
from .model_info import ModelInfo
from .model_info_defaults import ModelInfoDefaults
from .model_info_defaults_guidance import ModelInfoDefaultsGuidance
from .model_info_image import ModelInfoImage
from .model_info_latent import ModelInfoLatent
from .model_info_limits import ModelInfoLimits
from .model_info_providers import ModelInfoProviders
from .preview_event import PreviewEvent
from .preview_event_type import PreviewEventType
from .queued_event import QueuedEvent
from .queued_event_type import QueuedEventType
from .step_event import StepEvent
from .step_event_type import StepEventType
from .uncertainty import Uncertainty
from .uncertainty_at_step import UncertaintyAtStep

__all__ = (
    "DoneEvent",
    "DoneEventTimings",
    "DoneEventType",
    "EncodeBody",
    "EncodeJson",
    "EncodeJsonTimings",
    "EncodeJsonUsage",
    "EncodeJsonUsageCountsItem",
    "ErrorEvent",
    "ErrorEventType",
    "ErrorResponse",
    "GenerateBody",
    "GenerateBodyFormat",
    "GenerateBodyGridType0",
    "GenerateBodyGuidance",
    "GenerateBodySampler",
    "GenerateBodyTauType1",
    "GeneratedImage",
    "GeneratedImageTimings",
    "GenerateJson",
    "GenerateStreamBody",
    "GenerateStreamBodyGridType0",
    "GenerateStreamBodyGuidance",
    "GenerateStreamBodySampler",
    "GenerateStreamBodyTauType1",
    "GetHealthResponse200",
    "GetHealthResponse503",
    "GetHealthResponse503Models",
    "GetHealthResponse503ModelsAdditionalPropertyType0",
    "GetHealthResponse503ModelsAdditionalPropertyType1",
    "GetHealthResponse503ModelsAdditionalPropertyType2",
    "GetHealthResponse503ModelsAdditionalPropertyType3",
    "GetHealthResponse503ModelsAdditionalPropertyType4",
    "GetModelsResponse200",
    "GetReadyResponse200",
    "GetReadyResponse503",
    "GetReadyResponse503Models",
    "GetReadyResponse503ModelsAdditionalPropertyType0",
    "GetReadyResponse503ModelsAdditionalPropertyType1",
    "GetReadyResponse503ModelsAdditionalPropertyType2",
    "GetReadyResponse503ModelsAdditionalPropertyType3",
    "GetReadyResponse503ModelsAdditionalPropertyType4",
    "ModelInfo",
    "ModelInfoDefaults",
    "ModelInfoDefaultsGuidance",
    "ModelInfoImage",
    "ModelInfoLatent",
    "ModelInfoLimits",
    "ModelInfoProviders",
    "PreviewEvent",
    "PreviewEventType",
    "QueuedEvent",
    "QueuedEventType",
    "StepEvent",
    "StepEventType",
    "Uncertainty",
    "UncertaintyAtStep",
)
