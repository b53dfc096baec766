PREDICTIONS_SQL = "SELECT game_id, predicted, actual FROM predictions.daily WHERE day = '{day}'"
