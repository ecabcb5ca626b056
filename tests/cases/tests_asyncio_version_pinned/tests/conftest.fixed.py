
import pytest
